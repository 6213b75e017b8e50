// diff file --shallow: changes folded to one level below the folder compared.
import { describe, expect, it } from 'vitest';
import type { DiffEntry } from '../client/index.js';
import { diffBase, shallowDiff } from './shallow-diff.js';

const e = (path: string, change: string, sizeBytes: number, oldSizeBytes: number): DiffEntry => ({ path, change, sizeBytes, oldSizeBytes });

describe('shallow diff', () => {
  it('folds changes in subfolders into the folder, summing sizes, and keeps files at the top as they are', async () => {
    const before = new Set(['/a/']);
    const asked: string[] = [];
    const exists = async (side: 'old' | 'new', folder: string) => (asked.push(`${side}:${folder}`), side === 'old' && before.has(folder));
    const entries = [e('/a/new.txt', 'added', 3, 0), e('/a/sub/more.txt', 'added', 4, 0), e('/b/c/z.txt', 'added', 2, 0), e('/d/gone.txt', 'deleted', 0, 5), e('/e/x', 'modified', 2, 1), e('/e/y', 'deleted', 0, 7), e('/top.txt', 'added', 1, 0)];
    expect(await shallowDiff(entries, '/', exists)).toEqual([
      e('/a/', 'modified', 7, 0), // only additions, but the folder was there before
      e('/b/', 'added', 2, 0),
      e('/d/', 'deleted', 0, 5),
      e('/e/', 'modified', 2, 8),
      e('/top.txt', 'added', 1, 0),
    ]);
    expect(asked).toEqual(['old:/a/', 'old:/b/', 'new:/d/']); // mixed folders need no look-up
  });

  it('works one level below the folder a ref names', async () => {
    expect(diffBase('images@master')).toBe('/');
    expect(diffBase('images@master:/cats')).toBe('/cats/');
    expect(diffBase('images@master:/cats/')).toBe('/cats/');
    const entries = [e('/cats/x.png', 'added', 1, 0), e('/cats/2024/y.png', 'added', 2, 0)];
    expect(await shallowDiff(entries, '/cats/', async () => false)).toEqual([e('/cats/x.png', 'added', 1, 0), e('/cats/2024/', 'added', 2, 0)]);
  });
});
