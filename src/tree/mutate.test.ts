import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EMPTY_TREE } from './codec.js';
import { fakeEntry, prng, randomPaths, shuffle } from './fake-entries.js';
import { applyPlan, buildSorted, planMutations, sortEntries, type Mutation } from './mutate.js';
import { NodeMap } from './node-map.js';
import { isBoundary, type FileEntry, type TreeId } from './node.js';
import { allEntries, applyToModel, modelEntries, randomMutations, referenceRoot } from './reference.js';

async function build(store: NodeMap, entries: FileEntry[]): Promise<TreeId> {
  return (await buildSorted(sortEntries([...entries]), store.load, store.sink)).root;
}

async function apply(store: NodeMap, root: TreeId, mutations: Mutation[]) {
  return applyPlan(root, planMutations(mutations), store.load, store.sink);
}

describe('building a tree', () => {
  it('gives the reference root for any insertion order, duplicates resolved last-wins', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer(), fc.integer({ min: 0, max: 6000 }), fc.integer(), async (seed, n, order) => {
        const paths = randomPaths(seed, n);
        const entries = paths.map((p) => fakeEntry(p));
        const store = new NodeMap();
        const stale = entries.slice(0, 5).map((e) => fakeEntry(e.path, 9)); // overwritten by the later originals
        const root = await build(store, [...stale, ...shuffle([...entries], order)]);
        const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : 1));
        expect(root).toBe(referenceRoot(sorted));
        expect((await allEntries(store.load, root)).map((e) => e.path)).toEqual(sorted.map((e) => e.path));
      }),
      { numRuns: 25 },
    );
  });

  it('builds the empty tree from nothing', async () => {
    expect(await build(new NodeMap(), [])).toBe(EMPTY_TREE);
  });
});

describe('applying mutations', () => {
  it('any batching of any mutations gives the same root as building the final set', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer(),
        fc.noBias(fc.integer({ min: 0, max: 5000 })),
        fc.integer({ min: 1, max: 400 }),
        fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 6 }),
        async (seed, n, count, batchSizes) => {
          const universe = randomPaths(seed, n + 20);
          const model = new Map<string, FileEntry>();
          for (const p of universe.slice(20)) model.set(p, fakeEntry(p));
          const store = new NodeMap();
          let root = await build(store, modelEntries(model));
          const mutations = randomMutations(seed ^ 0x5eed, universe, count);
          for (let i = 0, b = 0; i < mutations.length; b++) {
            const size = batchSizes[b % batchSizes.length]!;
            root = (await apply(store, root, mutations.slice(i, i + size))).root;
            i += size;
          }
          applyToModel(model, mutations);
          const expected = modelEntries(model);
          expect(root).toBe(referenceRoot(expected));
          const got = await allEntries(store.load, root);
          expect(got.map((e) => [e.path, e.hash])).toEqual(expected.map((e) => [e.path, e.hash]));
        },
      ),
      { numRuns: 30 },
    );
  });

  it('sparse edits at node boundaries resync with the old nodes correctly', async () => {
    // deleting a key that ends a node merges it with its neighbour; inserting one splits a node
    await fc.assert(
      fc.asyncProperty(fc.integer(), fc.noBias(fc.integer({ min: 500, max: 9_000 })), fc.noBias(fc.integer({ min: 1, max: 12 })), async (seed, n, k) => {
        const rnd = prng(seed);
        const paths = randomPaths(seed, n + 200);
        const model = new Map<string, FileEntry>();
        for (const p of paths.slice(200)) model.set(p, fakeEntry(p));
        const store = new NodeMap();
        const root = await build(store, modelEntries(model));
        const ends = paths.slice(200).filter((p) => isBoundary(p, 0) || isBoundary(p, 1) || isBoundary(p, 2));
        const fresh = paths.slice(0, 200).filter((p) => isBoundary(p, 0) || isBoundary(p, 1));
        const mutations: Mutation[] = [];
        for (let i = 0; i < k; i++) {
          const r = rnd();
          const end = ends[Math.floor(rnd() * ends.length)];
          const add = fresh[Math.floor(rnd() * fresh.length)];
          if (r < 0.5 && end) mutations.push({ path: end, delete: true });
          else if (r < 0.8 && add) mutations.push({ path: add, entry: fakeEntry(add) });
          else if (end) mutations.push({ path: end, entry: fakeEntry(end, 1) });
        }
        const { root: after } = await apply(store, root, mutations);
        applyToModel(model, mutations);
        expect(after).toBe(referenceRoot(modelEntries(model)));
      }),
      { numRuns: 25 },
    );
  });

  it('later mutations in a batch win over earlier ones', async () => {
    const store = new NodeMap();
    const a = fakeEntry('/d/a');
    const root = (await apply(store, EMPTY_TREE, [
      { path: '/d/a', entry: a },
      { path: '/d/b', entry: fakeEntry('/d/b') },
      { deletePrefix: '/d' },
      { path: '/d/c', entry: fakeEntry('/d/c') },
      { path: '/e', entry: fakeEntry('/e') },
      { path: '/e', delete: true },
      { path: '/f', delete: true },
      { path: '/f', entry: fakeEntry('/f', 2) },
    ])).root;
    expect((await allEntries(store.load, root)).map((e) => e.path)).toEqual(['/d/c', '/f']);
  });

  it('deleting the root directory empties the tree', async () => {
    const store = new NodeMap();
    const root = await build(store, randomPaths(1, 3000).map((p) => fakeEntry(p)));
    expect((await apply(store, root, [{ deletePrefix: '/' }])).root).toBe(EMPTY_TREE);
  });

  it('an update that changes nothing writes nothing', async () => {
    const store = new NodeMap();
    const entries = randomPaths(2, 5000).map((p) => fakeEntry(p));
    const root = await build(store, entries);
    const same = await apply(store, root, entries.slice(100, 110).map((e) => ({ path: e.path, entry: e })));
    expect(same).toEqual({ root, nodesWritten: 0 });
    expect((await apply(store, root, [{ path: '/no/such/file', delete: true }])).root).toBe(root);
  });

  it('refuses malformed mutations with typed errors', () => {
    const e = fakeEntry('/a');
    expect(() => planMutations([{ path: '/a/../b', delete: true }])).toThrow(expect.objectContaining({ code: 'InvalidPath' }));
    expect(() => planMutations([{ path: '/a', entry: { ...e, size: -1 } }])).toThrow(expect.objectContaining({ code: 'InvalidFileEntry' }));
    expect(() => planMutations([{ path: '/a', entry: { ...e, hash: 'xyz' } }])).toThrow(expect.objectContaining({ code: 'InvalidFileEntry' }));
    expect(() => planMutations([{ path: '/b', entry: e }])).toThrow(expect.objectContaining({ code: 'InvalidFileEntry' }));
    expect(() => planMutations([{ path: '/a', entry: { ...e, content: { ...e.content, size: 1 } } }])).toThrow(expect.objectContaining({ code: 'InvalidFileEntry' }));
    expect(() => planMutations([{ nonsense: 1 } as unknown as Mutation])).toThrow(expect.objectContaining({ code: 'InvalidMutation' }));
    expect(planMutations([{ path: 'a//b/', entry: { ...e, path: '/a/b' } }]).points[0]!.key).toBe('/a/b');
  });
});

describe('update cost', () => {
  it('k changes in a large tree write O(k·log n) nodes and read about as many', async () => {
    const n = 120_000;
    const store = new NodeMap();
    const entries = Array.from({ length: n }, (_, i) => fakeEntry(`/data/part-${String(i).padStart(7, '0')}.csv`));
    const root = await build(store, entries);
    const rootNode = await store.load(root);
    const height = rootNode.level + 1;
    expect(height).toBeLessThanOrEqual(4);
    const rnd = prng(7);
    for (const k of [1, 10, 100]) {
      const mutations: Mutation[] = [];
      for (let i = 0; i < k; i++) {
        const j = Math.floor(rnd() * n);
        const r = rnd();
        if (r < 0.5) mutations.push({ path: entries[j]!.path, entry: fakeEntry(entries[j]!.path, 1) });
        else if (r < 0.75) mutations.push({ path: entries[j]!.path, delete: true });
        else mutations.push({ path: entries[j]!.path + '.new', entry: fakeEntry(entries[j]!.path + '.new') });
      }
      store.loads = 0;
      const { nodesWritten } = await apply(store, root, mutations);
      // one path per change, plus a node or two per level where a deleted boundary merges neighbours
      expect(nodesWritten).toBeLessThanOrEqual(k * height + 2 * height);
      expect(store.loads).toBeLessThanOrEqual(2 * (k * height + 2 * height));
    }
  });

  it('deleting a large directory reads only the nodes at its edges', async () => {
    const store = new NodeMap();
    const entries = [
      ...Array.from({ length: 50_000 }, (_, i) => fakeEntry(`/big/f${i}`)),
      ...Array.from({ length: 5_000 }, (_, i) => fakeEntry(`/keep/f${i}`)),
      ...Array.from({ length: 5_000 }, (_, i) => fakeEntry(`/a/f${i}`)),
    ];
    const root = await build(store, entries);
    store.loads = 0;
    const { root: after, nodesWritten } = await apply(store, root, [{ deletePrefix: '/big' }]);
    expect(store.loads).toBeLessThan(20);
    expect(nodesWritten).toBeLessThan(12);
    expect(after).toBe(referenceRoot(sortEntries(entries.filter((e) => !e.path.startsWith('/big/')))));
  });
});
