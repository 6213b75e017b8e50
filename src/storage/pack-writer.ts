// Appends chunks and blobs into pack objects. Entries are copied into an open
// pack buffer; when the next entry would take it past the target size the pack
// is sealed: written in one put (its entries, then a trailer with a copy of
// its index), then its index object (derived data, not fsynced: a crash that
// loses it leaves the trailer to rebuild it from), then reported durable
// (the caller adds the entries to the chunk index). A reference to an entry is
// final the moment it is added, because pack IDs are chosen up front.
//
// Buffers are reused once their pack is written, which assumes (as every
// ObjectStore here does) that put() keeps no reference to its body after it
// resolves.
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
import type { ObjectStore } from './object-store.js';
import { SharedCopier } from './shared-copy.js';
import { encodePackIndex, encodePackTrailer, newPackId, packIndexKey, packKey, type EntryKind, type PackEntry } from './pack-format.js';

export const DEFAULT_PACK_SIZE = 16 * 1024 * 1024;
const FIRST_BUFFER = 1024 * 1024;

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
  private readonly copier = new SharedCopier();

  constructor(private readonly store: ObjectStore, options: PackWriterOptions = {}) {
    this.packSize = options.packSize ?? DEFAULT_PACK_SIZE;
    this.maxInFlight = options.maxInFlight ?? 4;
    this.newId = options.newId ?? newPackId;
    this.onDurable = options.onDurable;
    this.onSeal = options.onSeal;
    this.spare = options.spare ?? [];
    this.keepSpare = options.keepSpare ?? 0;
    this.firstBuffers = options.firstBuffers ?? [];
  }

  /**
   * Copies `bytes` into the open pack and returns where they will live.
   * `hash` is the sha256 (hex) of the bytes: the chunk's key, a blob's checksum.
   * Sealing a full pack starts its write without waiting: call `backpressure()`.
   */
  add(kind: EntryKind, key: string, bytes: Uint8Array, hash: string): ChunkRef {
    this.throwIfFailed();
    if (this.used > 0 && this.used + bytes.length > this.packSize) this.seal();
    if (this.used === 0) this.id = this.newId();
    this.reserve(bytes.length);
    this.copier.copy(this.buf, this.used, bytes);
    const ref: ChunkRef = { hash, pack: this.id, offset: this.used, size: bytes.length };
    this.entries.push({ kind, key, ref });
    this.used += bytes.length;
    this.stats.entryBytes += bytes.length;
    return ref;
  }

  /** Waits while too many packs are being written; throws if a write failed. */
  async backpressure(): Promise<void> {
    while (this.inFlight.size > this.maxInFlight) await Promise.race(this.inFlight);
    this.throwIfFailed();
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
    const body = this.buf.subarray(0, this.used);
    const entries = this.entries;
    this.lastCapacity = this.buf.length;
    this.buf = new Uint8Array(0);
    this.used = 0;
    this.entries = [];
    const write = this.write(id, body, entries).then(
      () => {
        const capacity = body.buffer.byteLength;
        if (capacity === this.packSize && this.spare.length < this.maxInFlight + 1) this.spare.push(new Uint8Array(body.buffer));
        else if (capacity === FIRST_BUFFER && this.firstBuffers.length < this.maxInFlight + 1) this.firstBuffers.push(new Uint8Array(body.buffer));
      },
      (err: unknown) => {
        this.failure ??= err;
      },
    );
    this.inFlight.add(write);
    void write.finally(() => this.inFlight.delete(write));
  }

  private async write(id: string, body: Uint8Array, entries: PackEntry[]): Promise<void> {
    const index = encodePackIndex(entries);
    const trailer = encodePackTrailer(index);
    await this.store.put(packKey(id), parts(body, trailer));
    await this.store.put(packIndexKey(id), index, { derived: true }); // rebuilt from the trailer if a crash loses it
    this.stats.packs++;
    this.stats.objects += 2;
    this.stats.bytes += body.length + trailer.length + index.length;
    await this.onDurable?.(id, entries);
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
