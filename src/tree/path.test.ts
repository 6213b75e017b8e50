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
  it('gives every path what the segment rule gives: already normal paths unchanged, . and .. refused, but not ... or .a', () => {
    // The rule spelled out: split on '/', drop empty segments, refuse '.', '..' and NUL, join after '/'.
    const byRule = (p: string): string | 'refused' => {
      const parts = p.split('/').filter((s) => s !== '');
      return p.includes('\0') || parts.some((s) => s === '.' || s === '..') ? 'refused' : '/' + parts.join('/');
    };
    const got = (p: string): string | 'refused' => {
      try {
        return normalizePath(p);
      } catch (e) {
        expect((e as { code: string }).code).toBe('InvalidPath');
        return 'refused';
      }
    };
    const alphabet = ['/', '.', 'a', '\0'];
    let paths = [''];
    for (let n = 0; n < 6; n++) {
      paths = paths.flatMap((p) => alphabet.map((c) => p + c));
      for (const p of paths) expect(got(p), JSON.stringify(p)).toBe(byRule(p));
    }
    expect(normalizePath('/f0000001')).toBe('/f0000001');
    expect(normalizePath('/a/.../.b/c..')).toBe('/a/.../.b/c..');
  });
  it('joins and splits', () => {
    expect(joinPath('/x', 'y/z')).toBe('/x/y/z');
    expect(parentDir('/x/y')).toBe('/x');
    expect(parentDir('/x')).toBe('/');
    expect(baseName('/x/y.txt')).toBe('y.txt');
  });
});
