import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dirEntryDestination, fileDestination, fullPathDestination, stdinDestination } from './put-plan.js';
import { isUsageError } from './usage.js';

describe('put file path rules', () => {
  it('puts a single file at the given path, or at its base name without one', () => {
    expect(fileDestination('/data/x.csv', 'local/y.csv')).toBe('/data/x.csv');
    expect(fileDestination(undefined, '/tmp/some/y.csv')).toBe('/y.csv');
    expect(fileDestination('/', 'y.csv')).toBe('/y.csv');
    expect(fileDestination('data/x.csv', 'y.csv')).toBe('/data/x.csv');
  });

  it('treats a path ending in / as a folder for a single file', () => {
    expect(fileDestination('/data/', 'dir/y.csv')).toBe('/data/y.csv');
  });

  it('puts a folder\'s contents under the path, or under / without one', () => {
    expect(dirEntryDestination('/in', 'a/b.txt')).toBe('/in/a/b.txt');
    expect(dirEntryDestination('/in/', 'a/b.txt')).toBe('/in/a/b.txt');
    expect(dirEntryDestination(undefined, 'a/b.txt')).toBe('/a/b.txt');
    expect(dirEntryDestination('/', 'b.txt')).toBe('/b.txt');
  });

  it('keeps relative folder paths intact under any prefix', () => {
    const seg = fc.stringMatching(/^[a-z0-9_.-]{1,8}$/).filter((s) => s !== '.' && s !== '..');
    fc.assert(
      fc.property(fc.array(seg, { maxLength: 3 }), fc.array(seg, { minLength: 1, maxLength: 4 }), (prefix, rel) => {
        const dest = dirEntryDestination('/' + prefix.join('/'), rel.join('/'));
        expect(dest).toBe('/' + [...prefix, ...rel].join('/'));
      }),
    );
  });

  it('keeps a local path as given with --full-path, as pachctl does', () => {
    expect(fullPathDestination(undefined, 'photos/a.png')).toBe('/photos/a.png');
    expect(fullPathDestination(undefined, './photos/./a.png')).toBe('/photos/a.png');
    expect(fullPathDestination('/raw/', '/tmp/a.png')).toBe('/raw/tmp/a.png');
    expect(fullPathDestination('', 'photos')).toBe('/photos');
    expect(() => fullPathDestination(undefined, '../a.png')).toThrow(/\.\./);
  });

  it('refuses .. in the repo path', () => {
    expect(() => fileDestination('/a/../b', 'x')).toThrow(/\.\./);
  });

  it('needs a file path for standard input', () => {
    expect(stdinDestination('/logs/today.txt')).toBe('/logs/today.txt');
    for (const bad of [undefined, '', '/', '/dir/']) {
      let caught: unknown;
      try {
        stdinDestination(bad);
      } catch (err) {
        caught = err;
      }
      expect(isUsageError(caught)).toBe(true);
    }
  });
});
