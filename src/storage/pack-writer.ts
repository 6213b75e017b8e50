// Appends chunks and blobs into pack objects. Entries are copied into an open
// pack buffer; when the next entry would take it past the target size the pack
// is sealed: written in one put (its entries, then a trailer with a copy of
// its index), then its index object (derived data, not fsynced: a crash that
// loses it leaves the trailer to rebuild it from), then reported durable
// (the caller adds the entries to the chunk index). Given `indexes`, the pack
// is reported durable without waiting for its index (pending-indexes.ts). A reference to an entry is
// final the moment it is added, because pack IDs are chosen up front.
//
// Buffers are reused once their pack is written, which assumes (as every
// ObjectStore here does) that put() keeps no reference to its body after it
// resolves.
//
// Streaming (`stream`, on a store with openWriter: a local disk): a pack is
// not held whole in memory but written as it fills, through 1 MiB stage
// buffers reused from write to write, and committed (fsynced, renamed into
// place) when sealed. A write session of a GiB then touches a few MiB of
// buffers instead of up to six fresh 16 MiB ones (page faults, and on this VM's
// balloon fresh memory costs ~2-3 CPU-s/GiB), and its bytes reach the page
// cache while the pack fills rather than in one burst at the seal. The
// object still appears only once complete and durable. Entries added with a
// `lent` callback (a write session's chunks, in its slab memory) are not copied
// into stages at all: runs of them that lie one after another in memory are
// written straight from there (in writes of about a stage), and `lent` is
// called once the bytes are written (or never will be), the memory being the
// caller's again. That copy was ~14% of a large put's main thread. A writer dropped with
// a pack open (an abandoned session) has that pack's temp file closed and
// removed once it is collected; `abort()` does it at once.
//
// Up to four packs are written at once: on a local disk every put ends in an
// fsync (twice per pack: the pack, then its index), whose latency rather than
// bandwidth limits one writer. Measured with FsStore on this machine, 16 MiB
// packs with their indexes: ~77 MiB/s one at a time, ~230 with two in flight,
// ~350 with four (more did not help).
//
// Pack size: 16 MiB. Large enough that a GiB is 64 objects (few requests,
// few files, a cheap index rebuild) and that S3 request costs and fsyncs are
// amortized; small enough that a writer holds at most a few packs in memory
// (the open one plus `maxInFlight` being written) and a crash loses little
// unfinished work. Reads fetch single entries by range, so pack size does not
// affect read cost.
import type { ChunkRef } from './content.js';
import type { ObjectStore, ObjectWriter } from './object-store.js';
import type { PendingIndexes } from './pending-indexes.js';
import { SharedCopier } from './shared-copy.js';
import { encodePackIndex, encodePackTrailer, newPackId, packIndexKey, packKey, type EntryKind, type PackEntry } from './pack-format.js';

export const DEFAULT_PACK_SIZE = 16 * 1024 * 1024;
const FIRST_BUFFER = 1024 * 1024;
/** Stage writes of streamed packs under way at once before `backpressure()` waits (1 MiB each: the first buffers). */
const MAX_STAGES_OUT = 8;

/** An open streamed pack: its object (opened once a stage is full, else at the seal) and its last queued write. */
interface StreamedPack {
  writer?: Promise<ObjectWriter>;
  tail: Promise<void>;
}

/** Lent entries not yet written, adjacent in `buffer`'s memory: [start, end), and each entry's callback. */
interface LentRun {
  buffer: ArrayBufferLike;
  start: number;
  end: number;
  lent: (() => void)[];
}

/** Aborts the open streamed pack of a PackWriter that was dropped without flush() or abort(). */
const abandoned = new FinalizationRegistry<Promise<ObjectWriter>>((writer) => {
  void writer.then((w) => w.abort(), () => undefined);
});

export interface PackWriterOptions {
  /** Seal a pack before it would grow past this many bytes. */
  packSize?: number;
  /** Packs being written at once before `backpressure()` waits. */
  maxInFlight?: number;
  newId?: () => string;
  /** Called when a pack is sealed, before any of it is written (the collector must know of it before it can be listed). */
  onSeal?: (packId: string) => void;
  /**
   * Written pack buffers (of `packSize` bytes) to reuse, shared by a content
   * store's sessions; `keepSpare` of them stay after a flush. Default: this
   * writer's own, all dropped on flush.
   */
  spare?: Uint8Array[];
  keepSpare?: number;
  /**
   * Written first buffers (1 MiB, what a small pack is written from) to reuse,
   * likewise shareable: a group of small S3 PUTs or a commit's few tree nodes
   * then costs no fresh buffer per pack. Default: this writer's own.
   */
  firstBuffers?: Uint8Array[];
  /** Called after a pack and its index are durable, before `flush()` resolves. */
  onDurable?: (packId: string, entries: PackEntry[]) => Promise<void> | void;
  /** Write packs as they fill when the store has openWriter (see the head comment); stages come from `firstBuffers`. */
  stream?: boolean;
  /** Copies entries out of shared memory (default: this writer's own). */
  copier?: SharedCopier;
  /**
   * Where index objects are left to finish: with it, a pack is reported durable (and flush() resolves)
   * once the pack itself is, while its index is still being written (see pending-indexes.ts).
   * Default: each index is written before its pack is reported durable.
   */
  indexes?: PendingIndexes;
}

export interface PackWriterStats {
  packs: number;
  /** Objects put: packs and their indexes. */
  objects: number;
  /** Bytes of all objects put. */
  bytes: number;
  /** Entry bytes added (what the packs hold). */
  entryBytes: number;
}

export class PackWriter {
  readonly stats: PackWriterStats = { packs: 0, objects: 0, bytes: 0, entryBytes: 0 };
  private readonly packSize: number;
  private readonly maxInFlight: number;
  private readonly newId: () => string;
  private readonly onDurable?: PackWriterOptions['onDurable'];
  private readonly onSeal?: PackWriterOptions['onSeal'];
  private readonly indexes?: PendingIndexes;
  private id = '';
  private buf: Uint8Array = new Uint8Array(0);
  private used = 0;
  /** Capacity of the last sealed buffer: a stream that filled one pack will likely fill the next. */
  private lastCapacity = FIRST_BUFFER;
  private entries: PackEntry[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  /** Buffers of written packs, reused: fresh memory costs a page fault per 4 KiB on first touch. */
  private readonly spare: Uint8Array[];
  private readonly keepSpare: number;
  private readonly firstBuffers: Uint8Array[];
  private failure: unknown;
  /** Entries come from shared slab memory: copied through a stage where a plain copy would go byte by byte. */
  private readonly copier: SharedCopier;
  /** Streaming: the open pack, the stage being filled and how much of it, the stage writes under way. */
  private readonly streaming: boolean;
  private open?: StreamedPack;
  private stage?: Uint8Array;
  private staged = 0;
  private readonly stageWrites = new Set<Promise<void>>();
  /** Streaming: lent entries not yet handed to the open pack's object. */
  private run?: LentRun;

  constructor(private readonly store: ObjectStore, options: PackWriterOptions = {}) {
    this.packSize = options.packSize ?? DEFAULT_PACK_SIZE;
    this.maxInFlight = options.maxInFlight ?? 4;
    this.newId = options.newId ?? newPackId;
    this.onDurable = options.onDurable;
    this.onSeal = options.onSeal;
    this.indexes = options.indexes;
    this.spare = options.spare ?? [];
    this.keepSpare = options.keepSpare ?? 0;
    this.firstBuffers = options.firstBuffers ?? [];
    this.streaming = options.stream === true && store.openWriter !== undefined;
    this.copier = options.copier ?? new SharedCopier();
  }

  /**
   * Copies `bytes` into the open pack and returns where they will live.
   * `hash` is the sha256 (hex) of the bytes: the chunk's key, a blob's checksum.
   * Sealing a full pack starts its write without waiting: call `backpressure()`.
   * With `lent`, a streaming writer does not copy the bytes but writes them
   * from where they are: they must not change until `lent` is called (once
   * they are written, or failed, or dropped by abort(); at once if they were
   * copied after all). Call `sendLent()` before waiting for the memory back.
   */
  add(kind: EntryKind, key: string, bytes: Uint8Array, hash: string, lent?: () => void): ChunkRef {
    this.throwIfFailed();
    if (this.used > 0 && this.used + bytes.length > this.packSize) this.seal();
    if (this.used === 0) this.id = this.newId();
    if (this.streaming && lent) this.lend(bytes, lent);
    else if (this.streaming) this.append(bytes);
    else {
      this.reserve(bytes.length);
      this.copier.copy(this.buf, this.used, bytes);
    }
    const ref: ChunkRef = { hash, pack: this.id, offset: this.used, size: bytes.length };
    this.entries.push({ kind, key, ref });
    this.used += bytes.length;
    this.stats.entryBytes += bytes.length;
    if (lent && !this.streaming) lent(); // copied
    return ref;
  }

  /** Hands the lent entries added so far to the open pack's object (their writes start; each `lent` is called once its bytes are written). */
  sendLent(): void {
    const run = this.run;
    if (!run) return;
    this.run = undefined;
    const done = () => {
      for (const lent of run.lent) lent();
    };
    this.queueWrite(new Uint8Array(run.buffer, run.start, run.end - run.start), done, done);
  }

  /** Waits while too many packs (or stages of streamed packs) are being written; throws if a write failed. */
  async backpressure(): Promise<void> {
    while (this.inFlight.size > this.maxInFlight || this.stageWrites.size > MAX_STAGES_OUT) {
      await Promise.race([...this.inFlight, ...this.stageWrites]);
    }
    this.throwIfFailed();
  }

  /**
   * Drops the open pack (a failed session's): a streamed one's object is
   * never committed (resolves once its temp file is gone). References into
   * it are void. Packs sealed before finish as they would.
   */
  abort(): Promise<void> {
    const run = this.run;
    this.run = undefined;
    for (const lent of run?.lent ?? []) lent();
    this.buf = new Uint8Array(0);
    this.used = 0;
    this.entries = [];
    this.stage = undefined;
    this.staged = 0;
    const pack = this.open;
    this.open = undefined;
    if (!pack?.writer) return Promise.resolve();
    abandoned.unregister(pack);
    const writer = pack.writer;
    return pack.tail.catch(() => undefined).then(() => writer).then((w) => w.abort(), () => undefined);
  }

  /** Seals the open pack and waits until every pack added so far is durable. Throws if any write failed. */
  async flush(): Promise<void> {
    if (this.used > 0) this.seal();
    while (this.inFlight.size > 0) await Promise.race(this.inFlight);
    if (this.spare.length > this.keepSpare) this.spare.length = this.keepSpare; // a flush usually ends a burst: give the memory back
    this.throwIfFailed();
  }

  private seal(): void {
    const id = this.id;
    this.onSeal?.(id);
    const entries = this.entries;
    const used = this.used;
    this.used = 0;
    this.entries = [];
    let write: Promise<void>;
    if (this.streaming) {
      this.sendLent();
      const pack = this.open ?? { tail: Promise.resolve() };
      const last = this.stage;
      const lastBytes = this.staged;
      this.open = undefined;
      this.stage = undefined;
      this.staged = 0;
      write = this.writeStreamed(id, pack, last, lastBytes, entries);
    } else {
      const body = this.buf.subarray(0, used);
      this.lastCapacity = this.buf.length;
      this.buf = new Uint8Array(0);
      write = this.write(id, body, entries).then(() => {
        const capacity = body.buffer.byteLength;
        if (capacity === this.packSize && this.spare.length < this.maxInFlight + 1) this.spare.push(new Uint8Array(body.buffer));
        else if (capacity === FIRST_BUFFER && this.firstBuffers.length < this.maxInFlight + 1) this.firstBuffers.push(new Uint8Array(body.buffer));
      });
    }
    const settled = write.catch((err: unknown) => {
      this.failure ??= err;
    });
    this.inFlight.add(settled);
    void settled.finally(() => this.inFlight.delete(settled));
  }

  private async write(id: string, body: Uint8Array, entries: PackEntry[]): Promise<void> {
    const index = encodePackIndex(entries);
    const trailer = encodePackTrailer(index);
    await this.store.put(packKey(id), parts(body, trailer));
    await this.durable(id, body.length + trailer.length, index, entries);
  }

  /** Puts the pack's index (derived: rebuilt from the trailer if a crash loses it) and reports the pack durable (without waiting for the index, given `indexes`). */
  private async durable(id: string, packBytes: number, index: Uint8Array, entries: PackEntry[]): Promise<void> {
    const put = this.store.put(packIndexKey(id), index, { derived: true });
    if (this.indexes) this.indexes.track(put);
    else await put;
    this.stats.packs++;
    this.stats.objects += 2;
    this.stats.bytes += packBytes + index.length;
    await this.onDurable?.(id, entries);
  }

  /** Copies `bytes` into stages, handing each full one to the open pack's object. */
  private append(bytes: Uint8Array): void {
    this.sendLent(); // written before these bytes
    for (let done = 0; done < bytes.length; ) {
      const stage = (this.stage ??= this.firstBuffers.pop() ?? Buffer.allocUnsafe(FIRST_BUFFER));
      const n = Math.min(stage.length - this.staged, bytes.length - done);
      this.copier.copy(stage, this.staged, bytes.subarray(done, done + n));
      this.staged += n;
      done += n;
      if (this.staged === stage.length) this.sendStage();
    }
  }

  /** Adds lent `bytes` to the run of lent entries (sent first if they do not follow it in memory), sending it once it is a stage long. */
  private lend(bytes: Uint8Array, lent: () => void): void {
    if (this.staged > 0) this.sendStage(); // written before these bytes
    let run = this.run;
    if (run && (run.buffer !== bytes.buffer || run.end !== bytes.byteOffset)) {
      this.sendLent();
      run = undefined;
    }
    run ??= this.run = { buffer: bytes.buffer, start: bytes.byteOffset, end: bytes.byteOffset, lent: [] };
    run.end += bytes.length;
    run.lent.push(lent);
    if (run.end - run.start >= FIRST_BUFFER) this.sendLent();
  }

  /** Queues the write of the stage (its bytes so far) after the open pack's earlier ones; the stage is reused once written. */
  private sendStage(): void {
    const stage = this.stage!;
    const bytes = this.staged;
    this.stage = undefined;
    this.staged = 0;
    this.queueWrite(stage.subarray(0, bytes), () => this.recycle(stage), () => undefined);
  }

  /** Queues the write of `bytes` after the open pack's earlier ones (opening its object first if need be); then `written` or `failed`. */
  private queueWrite(bytes: Uint8Array, written: () => void, failed: () => void): void {
    const pack = (this.open ??= { tail: Promise.resolve() });
    if (!pack.writer) {
      pack.writer = this.store.openWriter!(packKey(this.id));
      pack.writer.catch(() => undefined); // observed by the writes and the seal
      abandoned.register(this, pack.writer, pack);
    }
    const writer = pack.writer;
    pack.tail = pack.tail.then(async () => (await writer).write(bytes));
    const settled = pack.tail.then(written, (err: unknown) => {
      this.failure ??= err;
      failed();
    });
    this.stageWrites.add(settled);
    void settled.finally(() => this.stageWrites.delete(settled));
  }

  /** Writes what is left of a streamed pack and its trailer, commits it, then its index. */
  private async writeStreamed(id: string, pack: StreamedPack, last: Uint8Array | undefined, lastBytes: number, entries: PackEntry[]): Promise<void> {
    abandoned.unregister(pack);
    const index = encodePackIndex(entries);
    const trailer = encodePackTrailer(index);
    const writer = (pack.writer ??= this.store.openWriter!(packKey(id)));
    let size = trailer.length;
    try {
      await pack.tail; // the stages written so far (or the first failure)
      const w = await writer;
      if (last && lastBytes > 0) await w.write(last.subarray(0, lastBytes));
      if (last) this.recycle(last); // written (or never to be): free before the fsync
      last = undefined;
      await w.write(trailer);
      await w.commit();
    } catch (err) {
      if (last) this.recycle(last);
      await writer.then((w) => w.abort(), () => undefined);
      throw err;
    }
    for (const e of entries) size += e.ref.size;
    await this.durable(id, size, index, entries);
  }

  /**
   * Keeps a written stage for the next ones, shared with the other writers of
   * the pool: as many as one writer holds at once between backpressure()
   * calls (the stages out plus one just sent, the one being filled, the last
   * ones of the packs being sealed), so a steady write allocates none.
   */
  private recycle(stage: Uint8Array): void {
    if (stage.length === FIRST_BUFFER && this.firstBuffers.length < MAX_STAGES_OUT + this.maxInFlight + 3) this.firstBuffers.push(stage);
  }

  /** Grows the open buffer (first to 1 MiB, then to the pack size, unless one entry is larger) to fit `extra` more bytes. */
  private reserve(extra: number): void {
    const need = this.used + extra;
    if (need <= this.buf.length) return;
    // A spare full-size buffer, if any, at once: cheaper than growing fresh memory step by step.
    let grown = need <= this.packSize ? this.spare.pop() : undefined;
    if (!grown) {
      // A stream past its first buffer likely fills the pack: take a whole pack's buffer at once rather than
      // doubling (a copy per step), so that it can be reused once written (an S3 part, one session each,
      // grew 1, 2, 4, 8 MiB of fresh memory every time). Untouched pages of it cost nothing.
      const small = need <= FIRST_BUFFER && this.lastCapacity <= FIRST_BUFFER;
      grown = (small && this.firstBuffers.pop()) || Buffer.allocUnsafe(Math.max(small ? Math.min(FIRST_BUFFER, this.packSize) : this.packSize, need));
    }
    grown.set(this.buf.subarray(0, this.used));
    this.buf = grown;
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}

/** A pack's bytes as a stream of its parts, so the entries are not copied to append the trailer. */
async function* parts(...chunks: Uint8Array[]): AsyncIterable<Uint8Array> {
  yield* chunks;
}
