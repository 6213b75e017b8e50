import { describe, expect, it } from 'vitest';
import { compileGlob, parseGlob } from './glob.js';

function matches(pattern: string, paths: string[]): string[] {
  const m = compileGlob(pattern);
  return paths.filter((p) => m(p));
}

const PATHS = ['/a', '/b.csv', '/dir', '/dir/x.csv', '/dir/y.txt', '/dir/sub/z.csv', '/dir/.hidden.csv', '/e/f/g', '/data1', '/data2', '/datax'];

describe('compileGlob (Pachyderm semantics)', () => {
  it("'*' stays within a segment, '**' crosses segments", () => {
    expect(matches('/*', PATHS)).toEqual(['/a', '/b.csv', '/dir', '/data1', '/data2', '/datax']);
    expect(matches('/*/*', PATHS)).toEqual(['/dir/x.csv', '/dir/y.txt', '/dir/.hidden.csv']);
    expect(matches('/**', PATHS)).toEqual(PATHS);
    expect(matches('/dir/*.csv', PATHS)).toEqual(['/dir/x.csv', '/dir/.hidden.csv']);
    expect(matches('/dir/**/*.csv', PATHS)).toEqual(['/dir/x.csv', '/dir/sub/z.csv', '/dir/.hidden.csv']);
    expect(matches('/dir/**', PATHS)).toEqual(['/dir', '/dir/x.csv', '/dir/y.txt', '/dir/sub/z.csv', '/dir/.hidden.csv']);
  });

  it('has braces, character classes, ? and groups', () => {
    expect(matches('/{a,b.csv}', PATHS)).toEqual(['/a', '/b.csv']);
    expect(matches('/data[12]', PATHS)).toEqual(['/data1', '/data2']);
    expect(matches('/data[!12]', PATHS)).toEqual(['/datax']);
    expect(matches('/data?', PATHS)).toEqual(['/data1', '/data2', '/datax']);
    expect(matches('/dir/(*).csv', PATHS)).toEqual(['/dir/x.csv', '/dir/.hidden.csv']);
    expect(matches('/e?f/g', PATHS)).toEqual([]);
  });

  it('makes patterns absolute and drops repeated and trailing slashes', () => {
    expect(parseGlob('dir/*').pattern).toBe('/dir/*');
    expect(parseGlob('//dir//*/').pattern).toBe('/dir/*');
    expect(parseGlob('/').pattern).toBe('/');
    expect(matches('*', PATHS)).toEqual(matches('/*', PATHS));
  });

  it('refuses empty and malformed patterns with InvalidGlob', () => {
    for (const bad of ['', '[a', '/dir/[a-', '/{a,b', '/x\0y']) {
      expect(() => compileGlob(bad), bad).toThrow(expect.objectContaining({ code: 'InvalidGlob', kind: 'invalid_argument' }));
    }
  });

  it('knows the literal prefix and whether matches have a fixed depth', () => {
    expect(parseGlob('/dir/sub/*.csv')).toMatchObject({ literal: '/dir/sub/', depth: 3 });
    expect(parseGlob('/dir/**')).toMatchObject({ literal: '/dir/', depth: Infinity });
    expect(parseGlob('/*')).toMatchObject({ literal: '/', depth: 1 });
    expect(parseGlob('/{a,b/c}')).toMatchObject({ depth: Infinity });
    expect(parseGlob('/plain/path')).toMatchObject({ literal: '/plain/path', depth: 2 });
  });
});
