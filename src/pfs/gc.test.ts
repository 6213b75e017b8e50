// Garbage collection against a model of what is reachable, on in-memory PFS
// and object store: random puts, deletes of files, branches and repos,
// branches, and collections; after each collection every file of every commit
// of every repo reads back identical, and the bytes of every file nothing
// reaches are in no stored object. Then collections in a loop while writers
// run: every finished commit reads back identical.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Collector } from '../storage/collector.js';
import { ContentStore } from '../storage/content-store.js';
import { MemoryMetadataStore } from '../storage/memory-metadata-store.js';
import { MemoryStore } from '../storage/memory-store.js';
import { getBytes, listAll } from '../storage/object-store.js';
import { FileTree } from '../tree/index.js';
import { Pfs } from './index.js';

async function setup() {
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
  });
  // Threshold 0: every pack holding a dead byte is rewritten, so "gone" means gone.
  const collector = new Collector({ objects, index: content.index, journal: content.journal, packSize: 8 * 1024 });
  const gc = (dryRun = false) => collector.run(() => pfs.gc.mark(), { packThreshold: 0, dryRun });
  return { objects, content, pfs, gc };
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
  | { op: 'gc' };

const small = (n: number) => fc.integer({ min: 0, max: n - 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('put' as const), repo: small(3), branch: small(2), path: small(4), datum: small(12), extra: fc.integer({ min: -1, max: 11 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('deleteFile' as const), repo: small(3), branch: small(2), path: small(4) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('branch' as const), repo: small(3), from: small(2), to: small(2) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('deleteBranch' as const), repo: small(3), branch: small(2) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('deleteRepo' as const), repo: small(3) }) },
  { weight: 2, arbitrary: fc.constant({ op: 'gc' as const }) },
);

describe('garbage collection against a model of what is reachable', () => {
  it('keeps every file of every commit and removes the bytes nothing reaches', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 24 }), async (ops) => {
        const { objects, pfs, gc } = await setup();
        // The model: per repo, every commit's files (path -> datum). Commits outlive branches; repos take theirs along.
        const repos = new Map<string, { commits: Map<string, Map<string, number>> }>();
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
          if (o.op === 'deleteRepo') {
            if (repos.delete(repo)) await pfs.repos.delete(repo);
            continue;
          }
          if (!repos.has(repo)) {
            await pfs.repos.create(repo);
            repos.set(repo, { commits: new Map() });
          }
          const model = repos.get(repo)!;
          const head = async (branch: string) => (await pfs.branches.find(repo, branch))?.head || undefined;
          const filesAt = async (branch: string) => {
            const id = await head(branch);
            return new Map(id ? model.commits.get(id) : []);
          };
          if (o.op === 'put' || o.op === 'deleteFile') {
            const branch = `b${o.branch}`;
            const path = `/d${o.path % 2}/f${o.path}`;
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
            model.commits.set(commit.id, files);
          } else if (o.op === 'branch') {
            const from = await head(`b${o.from}`);
            if (from && o.from !== o.to) await pfs.branches.create(repo, `b${o.to}`, `${repo}@${from}`);
          } else if (o.op === 'deleteBranch') {
            if (await pfs.branches.find(repo, `b${o.branch}`)) await pfs.branches.delete(repo, `b${o.branch}`);
          }
        }
        await gc();
        await check();
      }),
      { numRuns: 25 },
    );
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
