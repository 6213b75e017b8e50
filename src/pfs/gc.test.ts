// Garbage collection against a model of what is reachable, on in-memory PFS
// and object store: random puts, deletes of files, branches and repos,
// branches, `delete commit` and `squash commit`, datum outputs kept for reuse
// and dropped, and collections; after each collection every file of every
// commit of every repo and of every kept datum output reads back identical,
// and the bytes of every file nothing reaches are in no stored object. Then collections in a loop while writers
// run: every finished commit reads back identical.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Collector } from '../storage/collector.js';
import { ContentStore } from '../storage/content-store.js';
import { MemoryMetadataStore } from '../storage/memory-metadata-store.js';
import { MemoryStore } from '../storage/memory-store.js';
import { getBytes, listAll } from '../storage/object-store.js';
import { FileTree } from '../tree/index.js';
import { CommitHasChildren, CommitNotRemovable } from '../errors/index.js';
import { Pfs, type GcRoot } from './index.js';

/**
 * A datum output kept for reuse, as the pipeline system stores one (pps/datum-outputs.ts: its
 * files written through a content write session, then a small tree) and hands it to the
 * collector (PfsDeps.gcRoots, a 'tree' root). pps itself cannot run here (it needs workers),
 * and a pfs test may not import it, so this is the same interface, driven by hand.
 */
type KeptOutputs = Map<number, { tree: string; datum: number }>;

async function setup() {
  const kept: KeptOutputs = new Map();
  const objects = new MemoryStore();
  const content = await ContentStore.open(objects, { hashThread: false, packSize: 8 * 1024 });
  const tree = new FileTree(content.blobs);
  let n = 0;
  const pfs = await Pfs.open({
    meta: new MemoryMetadataStore(),
    content,
    tree,
    clock: () => new Date(Date.UTC(2026, 0, 1) + n * 1000),
    random: (bytes) => {
      const b = Buffer.alloc(bytes);
      b.writeUInt32BE(++n, bytes - 4);
      return b;
    },
    gcRoots: async function* (): AsyncIterable<GcRoot> {
      for (const [slot, k] of kept) yield { kind: 'tree', owner: `datum result ${slot}`, tree: k.tree };
    },
  });
  // Threshold 0: every pack holding a dead byte is rewritten, so "gone" means gone.
  const collector = new Collector({ objects, index: content.index, journal: content.journal, packSize: 8 * 1024 });
  const gc = (dryRun = false) => collector.run(() => pfs.gc.mark(), { packThreshold: 0, dryRun });
  /** Stores `bytes` as a datum output holding /out (as DatumOutputStore does) and returns its tree. */
  const storeOutput = async (bytes: Buffer): Promise<string> => {
    const session = content.writer();
    const file = await session.writeFile(bytes);
    await session.close();
    const id = await tree.build([{ path: '/out', size: file.size, hash: file.hash, content: file }]);
    await content.blobs.flush();
    return id;
  };
  return { objects, content, tree, pfs, gc, kept, storeOutput };
}

/** Unique, recognisable bytes for datum `i`: a tag, then pseudo-random filler. */
function data(i: number, size: number): Buffer {
  const tag = Buffer.from(`<<file-${i}-${'x'.repeat(8)}>>`);
  const filler = Buffer.alloc(size);
  let s = i * 2654435761;
  for (let k = 0; k < size; k++) {
    s = (s * 1103515245 + 12345) >>> 0;
    filler[k] = s >>> 24;
  }
  return Buffer.concat([tag, filler]);
}

async function read(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of it) parts.push(Buffer.from(p));
  return Buffer.concat(parts);
}

async function storedObjects(objects: MemoryStore): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const key of listAll(objects, '')) out.push(Buffer.from(await getBytes(objects, key)));
  return out;
}

type Op =
  | { op: 'put'; repo: number; branch: number; path: number; datum: number; extra: number }
  | { op: 'deleteFile'; repo: number; branch: number; path: number }
  | { op: 'branch'; repo: number; from: number; to: number }
  | { op: 'deleteBranch'; repo: number; branch: number }
  | { op: 'deleteRepo'; repo: number }
  | { op: 'deleteCommit'; repo: number; branch: number }
  | { op: 'squashCommit'; repo: number; pick: number }
  | { op: 'keepOutput'; slot: number; datum: number }
  | { op: 'dropOutput'; slot: number }
  | { op: 'gc' };

const small = (n: number) => fc.integer({ min: 0, max: n - 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('put' as const), repo: small(3), branch: small(2), path: small(4), datum: small(12), extra: fc.integer({ min: -1, max: 11 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('deleteFile' as const), repo: small(3), branch: small(2), path: small(4) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('branch' as const), repo: small(3), from: small(2), to: small(2) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('deleteBranch' as const), repo: small(3), branch: small(2) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('deleteRepo' as const), repo: small(3) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('deleteCommit' as const), repo: small(3), branch: small(2) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('squashCommit' as const), repo: small(3), pick: small(8) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('keepOutput' as const), slot: small(3), datum: small(12) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('dropOutput' as const), slot: small(3) }) },
  { weight: 2, arbitrary: fc.constant({ op: 'gc' as const }) },
);

describe('garbage collection against a model of what is reachable', () => {
  it('keeps every file of every commit and removes the bytes nothing reaches', async () => {
    let removals = 0; // commits deleted or squashed over all runs: the property did exercise them
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 24 }), async (ops) => {
        const { objects, pfs, tree, content, gc, kept, storeOutput } = await setup();
        // The model: per repo, every commit's files (path -> datum) and parent. Commits outlive branches; repos take theirs along.
        const repos = new Map<string, { commits: Map<string, Map<string, number>>; parents: Map<string, string | null> }>();
        const sizes = (i: number) => 200 + ((i * 7919) % 3000);
        const check = async () => {
          const live = new Set<number>();
          for (const [repo, r] of repos) {
            for (const [id, files] of r.commits) {
              for (const [path, datum] of files) {
                live.add(datum);
                const { data: bytes } = await pfs.files.get(`${repo}@${id}:${path}`);
                expect((await read(bytes)).equals(data(datum, sizes(datum)))).toBe(true);
              }
            }
          }
          for (const { tree: root, datum } of kept.values()) {
            live.add(datum);
            const entry = await tree.get(root, '/out');
            expect(Buffer.from(await content.readBytes(entry!.content)).equals(data(datum, sizes(datum))), `kept output of datum ${datum}`).toBe(true);
          }
          const stored = await storedObjects(objects);
          for (let d = 0; d < 12; d++) {
            const tag = data(d, 0);
            if (!live.has(d)) expect(stored.some((o) => o.includes(tag)), `bytes of datum ${d} remain`).toBe(false);
          }
        };
        for (const o of ops) {
          const repo = 'repo' + ('repo' in o ? o.repo : 0);
          if (o.op === 'gc') {
            const dry = await gc(true);
            const done = await gc();
            // A dry run counts the live bytes a rewrite copies, not the new packs' own index and trailer.
            expect([done.packsRemoved, done.packsRewritten]).toEqual([dry.packsRemoved, dry.packsRewritten]);
            expect(done.bytesFreed).toBeLessThanOrEqual(dry.bytesFreed);
            expect(done.bytesFreed).toBeGreaterThanOrEqual(dry.bytesFreed - 1024 * (done.packsWritten + 1));
            await check();
            continue;
          }
          if (o.op === 'keepOutput') {
            kept.set(o.slot, { tree: await storeOutput(data(o.datum, sizes(o.datum))), datum: o.datum });
            continue;
          }
          if (o.op === 'dropOutput') {
            kept.delete(o.slot);
            continue;
          }
          if (o.op === 'deleteRepo') {
            if (repos.delete(repo)) await pfs.repos.delete(repo);
            continue;
          }
          if (!repos.has(repo)) {
            await pfs.repos.create(repo);
            repos.set(repo, { commits: new Map(), parents: new Map() });
          }
          const model = repos.get(repo)!;
          const head = async (branch: string) => (await pfs.branches.find(repo, branch))?.head || undefined;
          const filesAt = async (branch: string) => {
            const id = await head(branch);
            return new Map(id ? model.commits.get(id) : []);
          };
          const children = (id: string) => [...model.parents].filter(([, parent]) => parent === id).map(([child]) => child);
          if (o.op === 'put' || o.op === 'deleteFile') {
            const branch = `b${o.branch}`;
            const path = `/d${o.path % 2}/f${o.path}`;
            const parent = (await head(branch)) ?? null;
            const files = await filesAt(branch);
            if (o.op === 'deleteFile' && !files.has(path)) continue;
            const upload = await pfs.upload(`${repo}@${branch}`);
            if (o.op === 'put') {
              // Two files in one upload share a pack: one may die while the other lives on (a rewrite).
              await upload.putFile(path, data(o.datum, sizes(o.datum)));
              files.set(path, o.datum);
              if (o.extra >= 0) {
                await upload.putFile(`${path}x`, data(o.extra, sizes(o.extra)));
                files.set(`${path}x`, o.extra);
              }
            } else {
              upload.deleteFile(path);
              files.delete(path);
            }
            const { commit } = await upload.commit();
            expect(commit.parentId).toBe(parent);
            model.commits.set(commit.id, files);
            model.parents.set(commit.id, parent);
          } else if (o.op === 'branch') {
            const from = await head(`b${o.from}`);
            if (from && o.from !== o.to) await pfs.branches.create(repo, `b${o.to}`, `${repo}@${from}`);
          } else if (o.op === 'deleteBranch') {
            if (await pfs.branches.find(repo, `b${o.branch}`)) await pfs.branches.delete(repo, `b${o.branch}`);
          } else if (o.op === 'deleteCommit') {
            // `delete commit REPO@BRANCH`: its head goes, when nothing was committed on top of it.
            const id = await head(`b${o.branch}`);
            if (!id) continue;
            const removal = pfs.history.remove({ deletes: [{ repo, id }], squashes: [] });
            if (children(id).length > 0) {
              await expect(removal).rejects.toBeInstanceOf(CommitHasChildren);
              continue;
            }
            await removal;
            const parent = model.parents.get(id)!;
            model.commits.delete(id);
            model.parents.delete(id);
            removals++;
            for (const b of await pfs.branches.list(repo)) expect(b.head === id, `branch ${b.name} still at a deleted commit`).toBe(false);
            expect((await head(`b${o.branch}`)) ?? null).toBe(parent);
          } else if (o.op === 'squashCommit') {
            // `squash commit`: a commit with children and no branch at it goes; its children keep their files.
            const ids = [...model.commits.keys()];
            if (ids.length === 0) continue;
            const id = ids[o.pick % ids.length]!;
            const heads = new Set((await pfs.branches.list(repo)).map((b) => b.head));
            const removal = pfs.history.remove({ deletes: [], squashes: [{ repo, id }] });
            if (children(id).length === 0 || heads.has(id)) {
              await expect(removal).rejects.toBeInstanceOf(CommitNotRemovable);
              continue;
            }
            await removal;
            const parent = model.parents.get(id)!;
            for (const child of children(id)) model.parents.set(child, parent);
            model.commits.delete(id);
            model.parents.delete(id);
            removals++;
          }
        }
        await gc();
        await check();
      }),
      {
        numRuns: 25,
        // Always also one run that squashes, deletes and keeps for sure (the random ones may not).
        examples: [
          [
            [
              { op: 'put', repo: 0, branch: 0, path: 0, datum: 0, extra: -1 },
              { op: 'put', repo: 0, branch: 0, path: 1, datum: 1, extra: 2 },
              { op: 'put', repo: 0, branch: 0, path: 0, datum: 3, extra: -1 },
              { op: 'squashCommit', repo: 0, pick: 1 },
              { op: 'deleteCommit', repo: 0, branch: 0 },
              { op: 'keepOutput', slot: 0, datum: 3 },
              { op: 'gc' },
              { op: 'dropOutput', slot: 0 },
              { op: 'gc' },
            ],
          ],
        ],
      },
    );
    expect(removals).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it('loses nothing a writer finishes while collections run in a loop', async () => {
    const { pfs, gc, content } = await setup();
    for (const r of ['w0', 'w1', 'w2', 'w3', 'doomed']) await pfs.repos.create(r);
    const doomed = await pfs.upload('doomed@master');
    for (let i = 0; i < 20; i++) await doomed.putFile(`/f${i}`, data(1000 + i, 4000));
    await doomed.commit();
    const finished: { ref: string; datum: number }[] = [];
    let stop = false;
    let runs = 0;
    const loop = (async () => {
      while (!stop) {
        await gc();
        runs++;
        await new Promise((r) => setImmediate(r));
      }
    })();
    const writer = async (w: number) => {
      for (let i = 0; i < 15; i++) {
        const datum = w * 100 + i;
        const upload = await pfs.upload(`w${w}@master`);
        // Re-use (dedup) bytes of the repo being deleted, and write fresh ones, across a few turns of the loop.
        await upload.putFile(`/shared${i}`, data(1000 + (i % 20), 4000));
        await new Promise((r) => setImmediate(r));
        await upload.putFile(`/own${i}`, data(datum, 3000));
        const { commit } = await upload.commit();
        finished.push({ ref: `w${w}@${commit.id}:/own${i}`, datum }, { ref: `w${w}@${commit.id}:/shared${i}`, datum: 1000 + (i % 20) });
        if (w === 0 && i === 3) await pfs.repos.delete('doomed');
      }
    };
    await Promise.all([0, 1, 2, 3].map(writer));
    stop = true;
    await loop;
    await gc();
    expect(runs).toBeGreaterThan(3);
    expect(content.journal.active()).toEqual([]);
    for (const f of finished) {
      const { data: bytes } = await pfs.files.get(f.ref);
      expect((await read(bytes)).equals(data(f.datum, f.datum >= 1000 ? 4000 : 3000)), f.ref).toBe(true);
    }
  }, 60_000);
});
