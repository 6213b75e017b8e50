// The garbage collector's sweep over the object store: which packs exist,
// what each holds, and removing or rewriting the ones the mark leaves dead.
//
// Design (README "Garbage collection" says it in five lines): mark and sweep
// with epochs and leases, no fixed age. A run (1) starts a new epoch in the
// content store's journal, (2) lists the packs: only packs present before the
// mark began are candidates, so a pack written meanwhile is never touched,
// (3) marks from the roots its caller snapshots (every commit of every repo,
// open or finished; datum results kept for reuse; multipart parts in flight),
// (4) plans (gc-plan.ts, pure): a pack with nothing live is removed, a pack
// whose dead share reaches the threshold is rewritten, except packs a writer
// touched since the oldest lease in flight began (gc-journal.ts), and
// (5) executes: live entries of rewritten packs are copied to new packs and
// made durable, the chunk index is pointed at the copies, and only then are
// the old packs deleted (index object first, then the pack: a crash between
// leaves a pack whose index the next start rebuilds from its trailer, never an
// index naming a missing pack). Each pack is checked against the journal once
// more right before it is deleted. A reader holding an old reference finds the
// pack gone and reads the chunk where the index says it lives now
// (file-reader.ts), so no pack is read while it is removed and nothing waits.
// A pack index object whose pack is gone (the pack was lost from the store:
// the collector itself deletes the index first) names a lost pack: the run
// forgets its entries in the chunk index and deletes the index object, so
// writers store those chunks anew instead of referring to the lost pack, and
// putting the same files again heals what referred to it (readers find a
// chunk by its hash when its pack is gone).
// Why not an age: `gc` right after `delete repo` must free at once; leases
// make in-flight writers safe however long they run, and the epoch rule makes
// writers that race with the mark itself safe.
import { isTuskError } from '../errors/index.js';
import type { ChunkIndex, StorageLog } from './chunk-index.js';
import type { GcJournal } from './gc-journal.js';
import { planSweep, type MarkSet, type PackSummary } from './gc-plan.js';
import { getBytes, listAll, type ObjectStore } from './object-store.js';
import { decodePackIndex, packIdOfIndexKey, packIndexKey, packKey, PACK_PREFIX, type PackEntry } from './pack-format.js';
import { readEntries } from './pack-reader.js';
import { PackWriter } from './pack-writer.js';

export const DEFAULT_PACK_THRESHOLD = 0.5;

export interface CollectOptions {
  dryRun?: boolean;
  /** Dead share of a pack at or above which it is rewritten (0..1, default 0.5). */
  packThreshold?: number;
}

export interface CollectResult {
  dryRun: boolean;
  packsScanned: number;
  /** Chunks and blobs in the scanned packs, and how many of those the mark found live. */
  entriesScanned: number;
  entriesLive: number;
  packsRemoved: number;
  packsRewritten: number;
  /** New packs holding the live entries of rewritten ones. */
  packsWritten: number;
  /** Packs kept because a writer used them while this run marked, or a lease in flight may need them. */
  packsProtected: number;
  /** Objects deleted (packs and their index objects). */
  objectsRemoved: number;
  /** Bytes of the deleted objects minus those of the new packs: what the store shrinks by. */
  bytesFreed: number;
  bytesCopied: number;
  /** Leases held when the sweep began. */
  leases: string[];
  durationMs: number;
}

/** What the collector needs of the content store. */
export interface CollectTarget {
  objects: ObjectStore;
  index: ChunkIndex;
  journal: GcJournal;
  packSize?: number;
}

export class Collector {
  private last: Promise<unknown> = Promise.resolve();

  constructor(private readonly target: CollectTarget, private readonly log: StorageLog = () => {}) {}

  /** One collection; runs after any other in progress. `mark` snapshots the roots and marks from them. */
  run(mark: () => Promise<MarkSet>, options: CollectOptions = {}): Promise<CollectResult> {
    const next = this.last.then(() => this.collect(mark, options));
    this.last = next.catch(() => undefined);
    return next;
  }

  /** Resolves once no run is in progress or queued. */
  async idle(): Promise<void> {
    await this.last;
  }

  private async collect(mark: () => Promise<MarkSet>, options: CollectOptions): Promise<CollectResult> {
    const started = Date.now();
    const { objects, index, journal } = this.target;
    const epoch = journal.begin();
    const { packs: candidates, lost } = await listPackObjects(objects);
    const live = await mark();
    const summaries = await mapLimit(candidates, 8, (pack) => this.summary(pack));
    const packs = summaries.filter((s): s is PackSummary => s !== undefined);
    const plan = planSweep(packs, live, journal.protectedPacks(epoch), options.packThreshold ?? DEFAULT_PACK_THRESHOLD);
    const result: CollectResult = {
      dryRun: options.dryRun === true,
      packsScanned: packs.length,
      entriesScanned: packs.reduce((n, p) => n + p.entries.length, 0),
      entriesLive: packs.reduce((n, p) => n + p.entries.filter((e) => (e.kind === 'chunk' ? live.chunks.has(e.key) : live.blobs.has(e.key))).length, 0),
      packsRemoved: plan.remove.length,
      packsRewritten: plan.rewrite.length,
      packsWritten: 0,
      packsProtected: plan.protectedKept,
      objectsRemoved: 2 * (plan.remove.length + plan.rewrite.length) + lost.length,
      bytesFreed: plan.bytesRemoved - plan.bytesCopied,
      bytesCopied: plan.bytesCopied,
      leases: journal.active(),
      durationMs: 0,
    };
    if (options.dryRun) return { ...result, durationMs: Date.now() - started };
    let lostRemoved = 0;
    for (const pack of lost) if (await this.forgetLost(pack, epoch)) lostRemoved++;

    // Copy the live entries of rewritten packs; the index learns about the copies below, after forgetting the old packs.
    const written: { pack: string; entries: PackEntry[] }[] = [];
    let bytesWritten = 0;
    const writer = new PackWriter(objects, { packSize: this.target.packSize, onDurable: (pack, entries) => void written.push({ pack, entries }) });
    for (const entry of plan.copy) {
      const [bytes] = await readEntries(objects, [entry.ref]);
      writer.add(entry.kind, entry.key, bytes!, entry.ref.hash);
      await writer.backpressure();
    }
    await writer.flush();
    bytesWritten = writer.stats.bytes;
    const doomed = [...plan.remove, ...plan.rewrite];
    for (const p of doomed) await index.forgetPack(p.pack, p.entries);
    for (const w of written) await index.addPack(w.pack, w.entries);
    for (const e of plan.reindex) await index.addPack(e.ref.pack, [e]);

    let freed = 0;
    let removed = 0;
    await mapLimit(doomed, 8, async (p) => {
      if (journal.isProtected(p.pack, epoch)) {
        await index.addPack(p.pack, p.entries); // a writer re-used it while we swept: keep it, the next run decides
        result.packsProtected++;
        return;
      }
      await objects.delete(packIndexKey(p.pack));
      await objects.delete(packKey(p.pack));
      freed += p.bytes;
      removed += 2;
    });
    result.packsWritten = written.length;
    result.objectsRemoved = removed + lostRemoved;
    result.bytesFreed = freed - bytesWritten;
    result.durationMs = Date.now() - started;
    this.log('info', 'gc_finished', { ...result, leases: result.leases.length });
    return result;
  }

  /**
   * A pack whose index object is there but not the pack (lost from the store): its entries leave the chunk index and
   * its index object goes. Checked again first, and left alone if a writer touched it since the run began.
   */
  private async forgetLost(pack: string, epoch: number): Promise<boolean> {
    const { objects, index, journal } = this.target;
    if (journal.isProtected(pack, epoch) || (await objects.size(packKey(pack))) !== undefined) return false;
    let entries: PackEntry[] = [];
    try {
      entries = decodePackIndex(await getBytes(objects, packIndexKey(pack)), pack);
    } catch (err) {
      if (!isTuskError(err)) throw err;
    }
    await index.forgetPack(pack, entries);
    await objects.delete(packIndexKey(pack));
    this.log('warn', 'gc_pack_lost', {
      pack: packKey(pack),
      entries: entries.length,
      message: 'the pack is not in the object store: its index object is deleted and its chunks forgotten, so putting the same files again stores their data anew (tusk fsck names the files it held)',
    });
    return true;
  }

  /** A pack's entries and stored bytes; undefined (the pack is kept) when its index cannot be read. */
  private async summary(pack: string): Promise<PackSummary | undefined> {
    const { objects } = this.target;
    try {
      const idx = await getBytes(objects, packIndexKey(pack));
      const entries = decodePackIndex(idx, pack);
      const size = await objects.size(packKey(pack));
      if (size === undefined) return undefined;
      return { pack, bytes: size + idx.length, entries };
    } catch (err) {
      if (!isTuskError(err)) throw err;
      this.log('warn', 'gc_pack_skipped', { pack: packKey(pack), reason: err.message });
      return undefined;
    }
  }
}

/**
 * `packs`: those that have both their object and their index object (a pack without an index is being written, or was
 * never indexed: kept). `lost`: index objects without their pack (a writer puts the pack first, the collector deletes
 * the index first, so only a pack lost from the store leaves one).
 */
export async function listPackObjects(objects: ObjectStore): Promise<{ packs: string[]; lost: string[] }> {
  const packs = new Set<string>();
  const indexed: string[] = [];
  for await (const key of listAll(objects, PACK_PREFIX)) {
    const id = packIdOfIndexKey(key);
    if (id === undefined) packs.add(key.slice(PACK_PREFIX.length));
    else indexed.push(id);
  }
  return { packs: indexed.filter((id) => packs.has(id)), lost: indexed.filter((id) => !packs.has(id)) };
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
