// `npm run bench -- tree [--n 1000000] [--store packed|memory]`
// A flat directory of n files (realistic names, written in random order, one
// data reference each) built into a FileTree over the packed ContentStore on a
// local FsStore in a temp dir (or an in-memory BlobStore with --store memory).
// Then: update 10 paths (6 modified, 2 added, 2 deleted), diff the two roots
// with a warm node cache and with a cold one (a fresh FileTree over a freshly
// opened ContentStore), list the directory, and, as the reference, the naive
// diff: one merge walk over the two sorted arrays of all n (path, hash) pairs,
// measured in the same run (sorting not counted, which favours the reference).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BlobStore } from '../src/storage/blob-store.js';
import { ContentStore } from '../src/storage/content-store.js';
import { FsStore } from '../src/storage/fs-store.js';
import { prng, sha256hex } from '../src/tree/fake-entries.js';
import { FileTree, type FileEntry, type Mutation } from '../src/tree/index.js';
import { MemoryBlobs } from '../src/tree/memory-blobs.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const N = Number(arg('n', '1000000'));
const STORE = arg('store', 'packed');
const KINDS = ['jpg', 'png', 'json', 'csv', 'parquet'];

function pathOf(i: number): string {
  const id = sha256hex(`file ${i}`);
  return `/dataset/${id.slice(0, 8)}-${id.slice(8, 12)}-img_${String(i).padStart(7, '0')}.${KINDS[i % KINDS.length]}`;
}

/** File i of the flat directory: a camera-style name, a size, a hash, and a slice of a shared 8 MiB chunk. */
function entry(i: number, version: number): FileEntry {
  const path = pathOf(i);
  const hash = sha256hex(`${path} v${version}`);
  const size = 1000 + (parseInt(hash.slice(0, 8), 16) % 200_000);
  const pack = `pack-${Math.floor(i / 4096)}`;
  const chunk = { hash: sha256hex(`${pack}/${Math.floor(i / 32)}`), pack, offset: (Math.floor(i / 32) % 128) * (8 << 20), size: 8 << 20 };
  return { path, size, hash, content: { size, hash, refs: [{ chunk, start: (i % 32) * 200_000, length: size }] } };
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

function ms(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** The reference: the set difference of two sorted (path, hash) arrays by one merge walk. */
function naiveDiff(a: { path: string; hash: string }[], b: { path: string; hash: string }[]): number {
  let i = 0;
  let j = 0;
  let changes = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    if (x && (!y || x.path < y.path)) (changes++, i++);
    else if (y && (!x || y.path < x.path)) (changes++, j++);
    else {
      if (x!.hash !== y!.hash) changes++;
      i++;
      j++;
    }
  }
  return changes;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tusk-bench-tree-'));
  try {
    let blobs: BlobStore;
    let reopen: () => Promise<BlobStore>;
    let storeName: string;
    if (STORE === 'memory') {
      const mem = new MemoryBlobs();
      blobs = mem;
      reopen = async () => mem;
      storeName = 'in-memory BlobStore (MemoryBlobs)';
    } else {
      const content = await ContentStore.open(await FsStore.open(dir), { hashThread: false });
      blobs = content.blobs;
      reopen = async () => (await ContentStore.open(await FsStore.open(dir), { hashThread: false })).blobs;
      storeName = `packed ContentStore over FsStore (${dir})`;
    }

    const rnd = prng(42);
    const order = Array.from({ length: N }, (_, i) => i);
    for (let i = N - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    let entries: FileEntry[] | undefined = order.map((i) => entry(i, 0)); // written in random order

    const tree = new FileTree(blobs);
    let t = process.hrtime.bigint();
    const root = await tree.build(entries);
    await blobs.flush();
    const buildMs = ms(t);
    entries = undefined; // from here on only the tree (and its node cache) holds files

    const mutations: Mutation[] = [];
    const picked = new Set<number>();
    while (picked.size < 8) picked.add(Math.floor(rnd() * N));
    const [d1, d2, ...mods] = [...picked];
    for (const i of mods) mutations.push({ path: pathOf(i), entry: entry(i, 1) });
    for (const i of [N, N + 1]) mutations.push({ path: pathOf(i), entry: entry(i, 0) });
    mutations.push({ path: pathOf(d1!), delete: true }, { path: pathOf(d2!), delete: true });
    t = process.hrtime.bigint();
    const update = await tree.apply(root, mutations);
    await blobs.flush();
    const updateMs = ms(t);

    const warmRuns: number[] = [];
    let changes = 0;
    for (let r = 0; r < 9; r++) {
      t = process.hrtime.bigint();
      changes = (await collect(tree.diff(root, update.root))).length;
      warmRuns.push(ms(t));
    }
    const diffMs = warmRuns.sort((a, b) => a - b)[4]!;

    // cold: a fresh FileTree over a freshly opened store, so every node is read from disk; median of 5
    const coldRuns: number[] = [];
    let coldChanges = 0;
    let coldReads = 0;
    for (let r = 0; r < 5; r++) {
      const store = await reopen();
      let gets = 0;
      const counted: BlobStore = { put: (id, b) => store.put(id, b), has: (id) => store.has(id), flush: () => store.flush(), get: (id) => (gets++, store.get(id)) };
      const coldTree = new FileTree(counted);
      t = process.hrtime.bigint();
      coldChanges = (await collect(coldTree.diff(root, update.root))).length;
      coldRuns.push(ms(t));
      coldReads = gets;
    }
    const diffColdMs = coldRuns.sort((a, b) => a - b)[2]!;

    t = process.hrtime.bigint();
    let listed = 0;
    for await (const _ of tree.listDir(update.root, '/dataset')) listed++;
    const listMs = ms(t);

    const before = order.map((i) => ({ path: pathOf(i), hash: entry(i, 0).hash })).sort((a, b) => (a.path < b.path ? -1 : 1));
    const model = new Map(before.map((e) => [e.path, e.hash]));
    for (const m of mutations) {
      if ('entry' in m) model.set(m.path, m.entry.hash);
      else if ('delete' in m) model.delete(m.path);
    }
    const after = [...model].map(([path, hash]) => ({ path, hash })).sort((a, b) => (a.path < b.path ? -1 : 1));
    const naiveRuns: number[] = [];
    let naiveChanges = 0;
    for (let r = 0; r < 3; r++) {
      t = process.hrtime.bigint();
      naiveChanges = naiveDiff(before, after);
      naiveRuns.push(ms(t));
    }
    const naiveMs = naiveRuns.sort((a, b) => a - b)[1]!;
    const stats = await tree.stats(update.root);

    const f = (x: number) => x.toFixed(1);
    console.log(`store: ${storeName}`);
    console.log(`files: ${N} in one flat directory, built from random order; heap used ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB`);
    console.table([
      { step: 'build (incl. flush)', ms: f(buildMs), note: `root ${root.slice(0, 12)}` },
      { step: 'apply 10 changed paths (incl. flush)', ms: f(updateMs), note: `${update.nodesWritten} nodes written` },
      { step: 'diff, warm node cache (median of 9)', ms: f(diffMs), note: `${changes} changes` },
      { step: 'diff, cold: fresh FileTree + store (median of 5)', ms: f(diffColdMs), note: `${coldChanges} changes, ${coldReads} node reads` },
      { step: `listDir of the ${N}-file directory`, ms: f(listMs), note: `${listed} entries` },
      { step: 'reference: naive sorted-array diff (median of 3)', ms: f(naiveMs), note: `${naiveChanges} changes` },
    ]);
    if (changes !== 10 || coldChanges !== 10 || naiveChanges !== 10 || listed !== N || stats.files !== N) throw new Error('benchmark results disagree');
    console.log(
      `tree: build_ms=${f(buildMs)} update_ms=${f(updateMs)} diff_ms=${f(diffMs)} diff_cold_ms=${f(diffColdMs)} diff_cold_reads=${coldReads} nodes_written=${update.nodesWritten} naive_diff_ms=${f(naiveMs)} list_ms=${f(listMs)} naive_vs_diff=${(naiveMs / diffMs).toFixed(0)}x store=${STORE}`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
