import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getEntry, rangeStats, scanFrom } from './cursor.js';
import { fakeEntry, prng, randomPaths } from './fake-entries.js';
import { compileGlob, globTree } from './glob.js';
import { isDir, listDir, type TreeItem } from './list.js';
import { buildSorted, sortEntries } from './mutate.js';
import { NodeMap } from './node-map.js';
import { dirRange, type FileEntry, type TreeId } from './node.js';

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function setup(seed: number, n: number) {
  const entries = sortEntries(randomPaths(seed, n).map((p) => fakeEntry(p)));
  const store = new NodeMap();
  const { root } = await buildSorted(entries, store.load, store.sink);
  return { entries, store, root };
}

/** Every implied directory of a path set (not the root). */
function dirsOf(entries: FileEntry[]): string[] {
  const dirs = new Set<string>();
  for (const e of entries) for (let j = e.path.indexOf('/', 1); j > 0; j = e.path.indexOf('/', j + 1)) dirs.add(e.path.slice(0, j));
  return [...dirs];
}

const dirSizes = new WeakMap<FileEntry[], Map<string, number>>();
function sizeUnder(entries: FileEntry[], dir: string): number {
  let sizes = dirSizes.get(entries);
  if (!sizes) {
    sizes = new Map();
    for (const e of entries) {
      for (let j = e.path.indexOf('/', 1); j > 0; j = e.path.indexOf('/', j + 1)) sizes.set(e.path.slice(0, j), (sizes.get(e.path.slice(0, j)) ?? 0) + e.size);
      sizes.set('/', (sizes.get('/') ?? 0) + e.size);
    }
    dirSizes.set(entries, sizes);
  }
  return sizes.get(dir) ?? 0;
}

/** The naive listing: one pass over every path. */
function naiveList(entries: FileEntry[], dir: string): TreeItem[] {
  const [lo] = dirRange(dir);
  const out: TreeItem[] = [];
  const seen = new Set<string>();
  for (const e of entries) {
    if (!e.path.startsWith(lo)) continue;
    const slash = e.path.indexOf('/', lo.length);
    if (slash < 0) out.push({ path: e.path, type: 'file', size: e.size, hash: e.hash, entry: e });
    else {
      const sub = e.path.slice(0, slash);
      if (!seen.has(sub)) out.push({ path: sub, type: 'dir', size: sizeUnder(entries, sub) });
      seen.add(sub);
    }
  }
  return out;
}

/** The naive glob: test every file and every implied directory, order directories as `dir/`. */
function naiveGlob(entries: FileEntry[], pattern: string): TreeItem[] {
  const match = compileGlob(pattern);
  const items: TreeItem[] = [
    ...entries.filter((e) => match(e.path)).map((e): TreeItem => ({ path: e.path, type: 'file', size: e.size, hash: e.hash, entry: e })),
    ...dirsOf(entries).filter(match).map((d): TreeItem => ({ path: d, type: 'dir', size: sizeUnder(entries, d) })),
  ];
  const key = (i: TreeItem) => (i.type === 'dir' ? i.path + '/' : i.path);
  return items.sort((a, b) => (key(a) < key(b) ? -1 : 1));
}

const PATTERNS = ['/*', '/*/*', '/**', '/a*/**', '/{a,b}*/*', '/a/*', '/[ab]*', '/**/*0', '/data/*', '/é*', '/a.x/**', '/*/a*', '/a/b/*/*', '/a?', '/[!a]*/*', 'a/**/b*', '/(*)/dd', '/x y*/*/*'];

describe('reading a tree agrees with a naive model', () => {
  it('get, scan, listDir, isDir, range stats and glob', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer(), fc.integer({ min: 0, max: 3000 }), fc.integer(), async (seed, n, qseed) => {
        const { entries, store, root } = await setup(seed, n);
        const rnd = prng(qseed);
        const pick = <T>(xs: T[]): T | undefined => xs[Math.floor(rnd() * xs.length)];
        const dirs = ['/', ...dirsOf(entries), '/nope', '/a/nope'];
        for (let q = 0; q < 6; q++) {
          const e = pick(entries);
          if (e) expect(await getEntry(store.load, root, e.path)).toEqual(e);
          const missing = (e?.path ?? '/x') + '~';
          expect(await getEntry(store.load, root, missing)).toBeUndefined();

          const dir = pick(dirs)!;
          expect(await collect(listDir(store.load, root, dir))).toEqual(naiveList(entries, dir));
          expect(await isDir(store.load, root, dir)).toBe(dir !== '/nope' && dir !== '/a/nope');
          if (e) expect(await isDir(store.load, root, e.path)).toBe(entries.some((x) => x.path.startsWith(e.path + '/')));
          const [lo, hi] = dirRange(dir);
          const under = entries.filter((x) => x.path >= lo && x.path < hi);
          expect(await rangeStats(store.load, root, lo, hi)).toEqual({ files: under.length, bytes: sizeUnder(entries, dir) });

          const prefix = dir === '/' ? '/' : dir + (rnd() < 0.5 ? '/' : '');
          const after = pick(entries)?.path;
          const scanned = await collect(scanFrom(store.load, root, prefix, after !== undefined && after >= prefix ? after : prefix, after !== undefined && after >= prefix));
          expect(scanned.map((x) => x.path)).toEqual(entries.filter((x) => x.path.startsWith(prefix) && (after === undefined || after < prefix || x.path > after)).map((x) => x.path));

          const pattern = pick(PATTERNS)!;
          expect(await collect(globTree(store.load, root, pattern))).toEqual(naiveGlob(entries, pattern));
        }
      }),
      { numRuns: 30 },
    );
  });
});

describe('directories', () => {
  it('lists a directory without reading the files of its subdirectories', async () => {
    const entries = sortEntries([
      ...Array.from({ length: 60_000 }, (_, i) => fakeEntry(`/d/sub/f${i}`)),
      fakeEntry('/d/a.txt'),
      fakeEntry('/d/z.txt'),
      ...Array.from({ length: 3_000 }, (_, i) => fakeEntry(`/d/other/f${i}`)),
    ]);
    const store = new NodeMap();
    const { root } = await buildSorted(entries, store.load, store.sink);
    store.loads = 0;
    const items = await collect(listDir(store.load, root, '/d'));
    expect(items.map((i) => [i.path, i.type])).toEqual([
      ['/d/a.txt', 'file'],
      ['/d/other', 'dir'],
      ['/d/sub', 'dir'],
      ['/d/z.txt', 'file'],
    ]);
    expect(items[2]!.size).toBe(sizeUnder(entries, '/d/sub'));
    expect(store.loads).toBeLessThan(60); // the subdirectory alone spans about 940 leaves
  });

  it('a fixed-depth glob seeks past deeper paths', async () => {
    const entries = sortEntries([...Array.from({ length: 60_000 }, (_, i) => fakeEntry(`/d/sub/f${i}`)), fakeEntry('/d/a.txt'), fakeEntry('/e')]);
    const store = new NodeMap();
    const { root } = await buildSorted(entries, store.load, store.sink);
    store.loads = 0;
    const items = await collect(globTree(store.load, root, '/*/*'));
    expect(items.map((i) => i.path)).toEqual(['/d/a.txt', '/d/sub']);
    expect(store.loads).toBeLessThan(40);
  });

  it('the root matches only the pattern "/", and only when the tree has files', async () => {
    const { store, root, entries } = await setup(3, 100);
    const items = await collect(globTree(store.load, root, '/'));
    expect(items).toEqual([{ path: '/', type: 'dir', size: entries.reduce((s, e) => s + e.size, 0) }]);
    const empty = await buildSorted([], store.load, store.sink);
    expect(await collect(globTree(store.load, empty.root, '/'))).toEqual([]);
    expect(await collect(listDir(store.load, empty.root, '/'))).toEqual([]);
  });
});

describe('a flat directory', () => {
  it('lists 100,000 files in order, seeks and scans by prefix', async () => {
    const n = 100_000;
    const entries = Array.from({ length: n }, (_, i) => fakeEntry(`/flat/file-${String(i).padStart(6, '0')}.dat`));
    const store = new NodeMap();
    const { root }: { root: TreeId } = await buildSorted(entries, store.load, store.sink);
    let count = 0;
    let inOrder = true;
    for await (const item of listDir(store.load, root, '/flat')) inOrder &&= item.path === entries[count++]!.path && item.type === 'file';
    expect(inOrder).toBe(true);
    expect(count).toBe(n);
    store.loads = 0;
    const some = await collect(scanFrom(store.load, root, '/flat/file-0500', '/flat/file-0500', false));
    expect(some.length).toBe(100);
    expect(store.loads).toBeLessThan(10);
  });
});
