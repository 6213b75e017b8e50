import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { captureRefs, compileDatumGlob, expandCaptures, globProblem, normalizeGlob } from './glob.js';
import { InvalidGlob } from '../errors/index.js';

const matches = (glob: string, path: string) => compileDatumGlob(glob).match(path) !== undefined;

describe('datum globs', () => {
  it('"/*" matches top-level files and directories, nothing deeper', () => {
    expect(matches('/*', '/a.png')).toBe(true);
    expect(matches('/*', '/dir')).toBe(true);
    expect(matches('/*', '/dir/a.png')).toBe(false);
    expect(matches('/*', '/.hidden')).toBe(true);
  });

  it('"/*/*" matches second-level paths; "/**" any depth', () => {
    expect(matches('/*/*', '/a/b')).toBe(true);
    expect(matches('/*/*', '/a')).toBe(false);
    expect(matches('/**', '/a')).toBe(true);
    expect(matches('/**', '/a/b/c')).toBe(true);
    expect(matches('/**.txt', '/a/b/c.txt')).toBe(true);
    expect(matches('/**.txt', '/a/b/c.csv')).toBe(false);
  });

  it('"/" is the root only', () => {
    const g = compileDatumGlob('/');
    expect(g.isRoot).toBe(true);
    expect(g.match('/')).toEqual(['/']);
    expect(g.match('/a')).toBeUndefined();
  });

  it('normalises a missing leading slash and a trailing slash', () => {
    expect(normalizeGlob('*')).toBe('/*');
    expect(normalizeGlob('/a/*/')).toBe('/a/*');
    expect(normalizeGlob('')).toBe('/');
    expect(matches('*.csv', '/x.csv')).toBe(true);
  });

  it('supports ?, classes, negated classes and braces', () => {
    expect(matches('/?at', '/cat')).toBe(true);
    expect(matches('/?at', '/at')).toBe(false);
    expect(matches('/[bc]at', '/bat')).toBe(true);
    expect(matches('/[a-c]at', '/fat')).toBe(false);
    expect(matches('/[!a-c]at', '/fat')).toBe(true);
    expect(matches('/[^a-c]at', '/cat')).toBe(false);
    expect(matches('/*.{png,jpg}', '/x.jpg')).toBe(true);
    expect(matches('/*.{png,jpg}', '/x.gif')).toBe(false);
    expect(matches('/a\\*b', '/a*b')).toBe(true);
    expect(matches('/a\\*b', '/axb')).toBe(false);
  });

  it('treats regex characters in the glob as literals', () => {
    expect(matches('/a.b+c$', '/a.b+c$')).toBe(true);
    expect(matches('/a.b', '/axb')).toBe(false);
  });

  it('numbers parenthesised capture groups as Pachyderm does', () => {
    expect(compileDatumGlob('/*_STOREID(*).txt').match('/4_STOREID12.txt')).toEqual(['/4_STOREID12.txt', '12']);
    expect(compileDatumGlob('/(*)/(*).go').match('/a/x.go')).toEqual(['/a/x.go', 'a', 'x']);
    expect(compileDatumGlob('/test/a*(a|b)/*(*).go').match('/test/aaaa/x.go')).toEqual(['/test/aaaa/x.go', 'aaa', 'x']);
    expect(compileDatumGlob('/test/+(a|b)/x.go').match('/test/aba/x.go')).toEqual(['/test/aba/x.go', 'aba']);
    expect(compileDatumGlob('/test/a?(a|b)/x.go').match('/test/a/x.go')).toEqual(['/test/a/x.go', '']);
    expect(compileDatumGlob('/test/@(a|b)/x.go').match('/test/c/x.go')).toBeUndefined();
    expect(compileDatumGlob('/test*(/?(+(a|b)/*.go))').match('/test/a/x.go')).toEqual(['/test/a/x.go', '/a/x.go', 'a/x.go', 'a']);
    expect(compileDatumGlob('/(*)/(*).go').groups).toBe(2);
  });

  it('supports !(…) as "anything but"', () => {
    expect(matches('/!(README).md', '/notes.md')).toBe(true);
    expect(matches('/!(README).md', '/README.md')).toBe(false);
    expect(matches('/!(*.tmp)', '/a.txt')).toBe(true);
    expect(matches('/!(*.tmp)', '/a.tmp')).toBe(false);
  });

  it('rejects malformed globs with a reason', () => {
    expect(() => compileDatumGlob('[a')).toThrow(InvalidGlob);
    expect(globProblem('[a')).toMatch(/never closed/);
    expect(globProblem('/{a,b')).toMatch(/never closed/);
    expect(globProblem('/(a|b')).toMatch(/never closed/);
    expect(globProblem('/a\\')).toMatch(/escape/);
    expect(globProblem('/[z-a]')).toMatch(/out of order/);
    expect(globProblem('/*')).toBeUndefined();
  });

  it('reports the literal base directory and the fixed depth', () => {
    expect(compileDatumGlob('/').base).toBe('/');
    expect(compileDatumGlob('/*').base).toBe('/');
    expect(compileDatumGlob('/a/b/*').base).toBe('/a/b');
    expect(compileDatumGlob('/a/b.txt').base).toBe('/a/b.txt');
    expect(compileDatumGlob('/a/*/c').base).toBe('/a');
    expect(compileDatumGlob('/*').depth).toBe(1);
    expect(compileDatumGlob('/*/*').depth).toBe(2);
    expect(compileDatumGlob('/').depth).toBe(0);
    expect(compileDatumGlob('/**').depth).toBeUndefined();
    expect(compileDatumGlob('/{a,b/c}').depth).toBeUndefined();
  });

  it('every path a fixed-depth glob matches has that depth and lies under its base', () => {
    const seg = fc.stringMatching(/^[a-c.]{1,3}$/);
    const globSeg = fc.constantFrom('*', 'a', '?', '[ab]*', '{a,b}', 'a*');
    fc.assert(
      fc.property(fc.array(globSeg, { minLength: 1, maxLength: 3 }), fc.array(seg, { minLength: 1, maxLength: 4 }), (gs, ps) => {
        const g = compileDatumGlob('/' + gs.join('/'));
        const path = '/' + ps.join('/');
        if (g.match(path)) {
          expect(ps.length).toBe(g.depth);
          expect(path === g.base || path.startsWith(g.base === '/' ? '/' : g.base + '/')).toBe(true);
        }
      }),
    );
  });

  it('fills join_on / group_by templates from captures', () => {
    expect(expandCaptures('$1', ['/x', 'a'])).toBe('a');
    expect(expandCaptures('${1}-$2', ['/x', 'a', 'b'])).toBe('a-b');
    expect(expandCaptures('key', ['/x'])).toBe('key');
    expect(captureRefs('$1/${2}$10')).toEqual([1, 2, 10]);
  });
});
