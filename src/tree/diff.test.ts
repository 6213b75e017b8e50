import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EMPTY_TREE } from './codec.js';
import { diffTrees, type DiffEntry } from './diff.js';
import { fakeEntry, prng, randomPaths, sha256hex } from './fake-entries.js';
import { applyPlan, buildSorted, planMutations, sortEntries, type Mutation } from './mutate.js';
import { NodeMap } from './node-map.js';
import type { FileEntry } from './node.js';
import { applyToModel, modelEntries, randomMutations } from './reference.js';

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** The naive diff: a merge of both sorted file lists. */
function naiveDiff(a: Map<string, FileEntry>, b: Map<string, FileEntry>, prefix = ''): DiffEntry[] {
  const paths = [...new Set([...a.keys(), ...b.keys()])].filter((p) => p.startsWith(prefix)).sort();
  const out: DiffEntry[] = [];
  for (const path of paths) {
    const before = a.get(path);
    const after = b.get(path);
    if (before && after) {
      if (before.size !== after.size || before.hash !== after.hash) out.push({ path, before, after });
    } else if (before) out.push({ path, before });
    else out.push({ path, after });
  }
  return out;
}

/** Diff entries reduced to what the diff promises (entries are compared by path, size and hash). */
function shape(d: DiffEntry[]) {
  return d.map((x) => [x.path, x.before?.hash, x.after?.hash]);
}

describe('diff', () => {
  it('equals the naive set difference of random trees, whole or under a prefix', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer(), fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 300 }), async (seed, n, count) => {
        const universe = randomPaths(seed, n + 30);
        const a = new Map<string, FileEntry>();
        for (const p of universe.slice(30)) a.set(p, fakeEntry(p));
        const store = new NodeMap();
        const ra = (await buildSorted(modelEntries(a), store.load, store.sink)).root;
        const mutations = randomMutations(seed + 1, universe, count);
        const rb = (await applyPlan(ra, planMutations(mutations), store.load, store.sink)).root;
        const b = new Map(a);
        applyToModel(b, mutations);
        expect(shape(await collect(diffTrees(store.load, ra, rb)))).toEqual(shape(naiveDiff(a, b)));
        expect(shape(await collect(diffTrees(store.load, rb, ra)))).toEqual(shape(naiveDiff(b, a)));
        for (const prefix of ['/a/', '/b', '/a.x/', '/zz']) {
          expect(shape(await collect(diffTrees(store.load, ra, rb, prefix)))).toEqual(shape(naiveDiff(a, b, prefix)));
        }
        expect(shape(await collect(diffTrees(store.load, EMPTY_TREE, rb)))).toEqual(shape(naiveDiff(new Map(), b)));
        expect(await collect(diffTrees(store.load, rb, rb))).toEqual([]);
      }),
      { numRuns: 30 },
    );
  });

  it('ignores a change of data references that keeps size and hash', async () => {
    const store = new NodeMap();
    const a = await buildSorted([fakeEntry('/a', 0, 'pack-1'), fakeEntry('/b')], store.load, store.sink);
    const b = await applyPlan(a.root, planMutations([{ path: '/a', entry: fakeEntry('/a', 0, 'pack-2') }]), store.load, store.sink);
    expect(b.root).toBe(a.root);
    expect(await collect(diffTrees(store.load, a.root, b.root))).toEqual([]);
  });

  it('shows a large file hashed by its bytes before and by its chunks after as unchanged only if its chunk slices are the same', async () => {
    const chunk = (n: number, pack = 'p1') => ({ hash: sha256hex(`chunk ${n}`), pack, offset: n * 1000, size: 600_000 });
    const file = (path: string, hash: string, refs: { chunk: ReturnType<typeof chunk>; start: number; length: number }[]): FileEntry => {
      const size = refs.reduce((n, r) => n + r.length, 0);
      return { path, size, hash, content: { size, hash, refs } };
    };
    const whole = (...ns: number[]) => ns.map((n) => ({ chunk: chunk(n), start: 0, length: 600_000 }));
    const old = [
      file('/big', sha256hex('bytes of big'), whole(1, 2)),
      file('/other', sha256hex('bytes of other'), whole(3, 4)),
      file('/small', sha256hex('bytes of small'), [{ chunk: chunk(5), start: 0, length: 1000 }]),
    ];
    const store = new NodeMap();
    const a = await buildSorted(old, store.load, store.sink);
    const moved = whole(1, 2).map((r) => ({ ...r, chunk: { ...r.chunk, pack: 'p9', offset: 7 } })); // its pack rewritten since
    const b = await applyPlan(
      a.root,
      planMutations([
        { path: '/big', entry: file('/big', sha256hex('chunk list of big'), moved) },
        { path: '/other', entry: file('/other', sha256hex('chunk list of other'), whole(3, 6)) },
        { path: '/small', entry: file('/small', sha256hex('other bytes of small'), [{ chunk: chunk(5), start: 0, length: 1000 }]) },
      ]),
      store.load,
      store.sink,
    );
    expect((await collect(diffTrees(store.load, a.root, b.root))).map((d) => d.path)).toEqual(['/other', '/small']);
  });

  it('visits only the nodes that differ: O(changes · log n) loads on a large tree', async () => {
    const n = 100_000;
    const entries = sortEntries(Array.from({ length: n }, (_, i) => fakeEntry(`/flat/f-${String(i * 7919 % n).padStart(6, '0')}`)));
    const store = new NodeMap();
    const a = (await buildSorted(entries, store.load, store.sink)).root;
    const height = (await store.load(a)).level + 1;
    const rnd = prng(11);
    for (const k of [1, 10, 50]) {
      const mutations: Mutation[] = [];
      for (let i = 0; i < k; i++) {
        const e = entries[Math.floor(rnd() * n)]!;
        const path = e.path + (i % 3 === 0 ? '-new' : '');
        mutations.push(i % 3 === 2 ? { path, delete: true } : { path, entry: fakeEntry(path, 5) });
      }
      const b = (await applyPlan(a, planMutations(mutations), store.load, store.sink)).root;
      store.loads = 0;
      const changes = await collect(diffTrees(store.load, a, b));
      expect(changes.length).toBe(k);
      // both sides: the root, plus a path per change, plus a neighbour where boundaries moved
      expect(store.loads).toBeLessThanOrEqual(2 * (k + 2) * height);
    }
  });
});
