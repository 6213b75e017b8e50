import { describe, expect, it } from 'vitest';
import { normalizePath, normalizeFilePath, joinPath, parentDir, baseName } from './path.js';
import { isTuskError } from '../errors/index.js';

describe('normalizePath', () => {
  it('collapses slashes and drops trailing ones', () => {
    expect(normalizePath('/a//b/')).toBe('/a/b');
    expect(normalizePath('a/b')).toBe('/a/b');
    expect(normalizePath('')).toBe('/');
    expect(normalizePath('///')).toBe('/');
  });
  it('refuses .., . and NUL with a typed error', () => {
    for (const bad of ['/a/../b', '..', '/a/./b', 'a\0b']) {
      let caught: unknown;
      try { normalizePath(bad); } catch (e) { caught = e; }
      expect(isTuskError(caught)).toBe(true);
      expect((caught as { code: string }).code).toBe('InvalidPath');
    }
  });
  it('refuses the root as a file name', () => {
    expect(() => normalizeFilePath('//')).toThrow(/needs a name/);
  });
  it('joins and splits', () => {
    expect(joinPath('/x', 'y/z')).toBe('/x/y/z');
    expect(parentDir('/x/y')).toBe('/x');
    expect(parentDir('/x')).toBe('/');
    expect(baseName('/x/y.txt')).toBe('y.txt');
  });
});
