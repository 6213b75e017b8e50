// Paging through listings and globs of a flat folder big enough to span many
// nodes (4,000 files: ~60 leaves under internal nodes), and prefix globs that
// seek instead of scanning: checked against a naive filter over every path.
import { describe, expect, it } from 'vitest';
import { fakeEntry } from './fake-entries.js';
import { compileGlob, globTree } from './glob.js';
import { itemKey, listDir, listDirBatches, type TreeItem } from './list.js';
import { buildSorted, sortEntries } from './mutate.js';
import { NodeMap } from './node-map.js';

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const name = (i: number) => `f${String(i).padStart(5, '0')}`;
// a flat folder /flat of 4,000 files, a few neighbours that sort around it ('/flat-x' < '/flat/...'), and subfolders inside it
const paths = [
  ...Array.from({ length: 4000 }, (_, i) => `/flat/${name(i)}`),
  '/flat-x',
  '/flat0',
  '/flat/f00100/deep',
  '/flat/sub/a',
  '/flat/sub/b',
  '/flat/f001-z',
].filter((p) => p !== '/flat/f00100'); // f00100 is a folder here, not a file

async function setup() {
  const entries = sortEntries(paths.map((p) => fakeEntry(p)));
  const store = new NodeMap();
  const { root } = await buildSorted(entries, store.load, store.sink);
  return { store, root };
}

/** Pages of `size` through a listing, each starting after the key of the last item of the one before. */
async function pages(list: (after: string | undefined) => AsyncIterable<TreeItem>, size: number): Promise<TreeItem[][]> {
  const out: TreeItem[][] = [];
  let after: string | undefined;
  for (;;) {
    const page: TreeItem[] = [];
    for await (const item of list(after)) {
      page.push(item);
      if (page.length === size) break;
    }
    if (page.length === 0) return out;
    out.push(page);
    after = itemKey(page[page.length - 1]!);
  }
}

describe('listing pages and prefix globs over a multi-node folder', () => {
  it('lists the folder in key order, a subfolder as NAME/, and pages of it add up to the whole listing', async () => {
    const { store, root } = await setup();
    const all = await collect(listDir(store.load, root, '/flat'));
    expect(all).toHaveLength(3999 + 1 + 2); // the numbered files, f001-z, the folders f00100 and sub
    const keys = all.map(itemKey);
    expect([...keys].sort()).toEqual(keys);
    expect(all.find((i) => i.path === '/flat/f00100')?.type).toBe('dir');
    expect(all.find((i) => i.path === '/flat/sub')?.type).toBe('dir');
    for (const size of [1, 7, 1000]) {
      const paged = await pages((after) => listDir(store.load, root, '/flat', after), size);
      expect(paged.flat().map(itemKey)).toEqual(keys);
      expect(paged.slice(0, -1).every((p) => p.length === size)).toBe(true);
    }
    // batches are what the stream sends: together they are the listing
    expect((await collect(listDirBatches(store.load, root, '/flat'))).flat().map(itemKey)).toEqual(keys);
  });

  it('starts after a folder key past the folder and its files, and after a deeper path past its folder', async () => {
    const { store, root } = await setup();
    const after = async (key: string) => (await collect(listDir(store.load, root, '/flat', key))).slice(0, 2).map(itemKey);
    expect(await after('/flat/f00100/')).toEqual(['/flat/f00101', '/flat/f00102']);
    expect(await after('/flat/f00100/deep')).toEqual(['/flat/f00101', '/flat/f00102']);
    expect(await after('/flat/f00099')).toEqual(['/flat/f001-z', '/flat/f00100/']);
    expect(await after('/flat/f03999')).toEqual(['/flat/sub/']);
    expect(await after('/flat/sub/')).toEqual([]);
    expect(await after('/a')).toEqual(['/flat/f00000', '/flat/f00001']); // before the folder: from its start
  });

  it('a prefix glob matches what a naive filter does, and reads only the nodes around the prefix', async () => {
    const { store, root } = await setup();
    const naive = (pattern: string) => {
      const match = compileGlob(pattern);
      const dirs = new Set<string>();
      for (const p of paths) for (let j = p.indexOf('/', 1); j > 0; j = p.indexOf('/', j + 1)) dirs.add(p.slice(0, j));
      const items = [...paths.filter(match), ...[...dirs].filter(match).map((d) => d + '/')];
      return items.sort();
    };
    for (const pattern of ['/flat/f001*', '/flat/f0010?', '/flat/f001-*', '/flat/f0010*/*', '/flat*', '/flat/s*/**', '/flat/f03999*', '/flat/zz*', '/flat/f00100/**']) {
      expect((await collect(globTree(store.load, root, pattern))).map(itemKey), pattern).toEqual(naive(pattern));
    }
    const walked = async (pattern: string) => {
      store.loads = 0;
      await collect(globTree(store.load, root, pattern));
      return store.loads;
    };
    // the whole folder is ~60 leaves; a prefix that matches 10 names reads a path down the tree and a leaf or two
    expect(await walked('/flat/f0200*')).toBeLessThan(8);
    expect(await walked('/flat/*')).toBeGreaterThan(40);
  });

  it('pages of a glob add up to the whole match list, directories included', async () => {
    const { store, root } = await setup();
    for (const pattern of ['/flat/f001*', '/flat/**', '/*']) {
      const keys = (await collect(globTree(store.load, root, pattern))).map(itemKey);
      for (const size of [1, 3, 50]) {
        const paged = await pages((after) => globTree(store.load, root, pattern, after === undefined ? {} : { after }), size);
        expect(paged.flat().map(itemKey), `${pattern} by ${size}`).toEqual(keys);
      }
    }
  });
});
