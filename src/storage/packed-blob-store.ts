// BlobStore over packs: small blobs (tree nodes, ref lists) under caller-chosen
// IDs, appended to pack objects like chunks so that many blobs never mean many
// objects. The pack index stores each blob's sha256, and get() checks it.
// Blobs put but not yet flushed are served from memory; recently read ones
// from an LRU. A tiny file's one chunk may go into the same packs (putChunk):
// a commit of a few tiny files (S3 PUTs) then writes one pack for its content
// and its tree nodes together.
import { createHash } from 'node:crypto';
import { CorruptObject, isTuskError, ObjectNotFound } from '../errors/index.js';
import type { BlobStore } from './blob-store.js';
import { ByteLru } from './byte-lru.js';
import type { ChunkIndex, UnreadablePack } from './chunk-index.js';
import type { ChunkRef } from './content.js';
import type { ObjectStore } from './object-store.js';
import { readEntries } from './pack-reader.js';
import { PackWriter } from './pack-writer.js';
import type { PendingIndexes } from './pending-indexes.js';

/** A durable pack of at most this many blob bytes keeps its blobs in the read cache (see onDurable). */
const KEEP_WRITTEN = 256 * 1024;
/** getMany() reads over gaps up to this many bytes between blobs rather than issue another read. */
const READ_GAP = 64 * 1024;
/** getMany() reads at most this many bytes at once. */
const READ_SPAN = 4 * 1024 * 1024;

/**
 * Blob packs are smaller than chunk packs (pack-writer.ts: 16 MiB): blobs are tree nodes and ref
 * lists, written a few KiB at a time, and until a pack is durable its blobs are held twice (the
 * open pack and `pending`), up to four packs at once. A put of a million tiny files writes ~47 MB of
 * nodes; 16 MiB packs held up to ~60 MB of them in memory, 4 MiB ones ~15.
 */
export const DEFAULT_BLOB_PACK_SIZE = 4 * 1024 * 1024;

export interface PackedBlobStoreOptions {
  /** Seal a pack before it would grow past this many bytes (default DEFAULT_BLOB_PACK_SIZE). */
  packSize?: number;
  /** Bytes of recently read blobs kept in memory (default 32 MiB). */
  cacheBytes?: number;
  /** Packs whose index could not be rebuilt: a blob not found may be in one of them, and its error names them. */
  unreadable?: readonly UnreadablePack[];
  /** The index get() looks blobs up in (default: the one puts use); reads must not count as a writer's touch (gc-journal.ts). */
  readIndex?: ChunkIndex;
  /** The object store beneath any read cache, for getStored() (default: the store given). */
  direct?: ObjectStore;
  /** Where pack index objects are left to finish (PackWriterOptions.indexes); default: flush() waits for them. */
  indexes?: PendingIndexes;
}

export class PackedBlobStore implements BlobStore {
  private readonly packs: PackWriter;
  /** Blobs in packs that are not durable yet. */
  private readonly pending = new Map<string, Uint8Array>();
  /** Chunks put by putChunk whose packs are not durable yet, by sha256. */
  private readonly pendingChunks = new Map<string, ChunkRef>();
  private readonly cache: ByteLru;

  private readonly unreadable: readonly UnreadablePack[];
  private readonly readIndex: ChunkIndex;
  private readonly direct: ObjectStore;

  constructor(private readonly objects: ObjectStore, private readonly index: ChunkIndex, options: PackedBlobStoreOptions = {}) {
    this.unreadable = options.unreadable ?? [];
    this.readIndex = options.readIndex ?? index;
    this.direct = options.direct ?? objects;
    this.cache = new ByteLru(options.cacheBytes ?? 32 * 1024 * 1024);
    this.packs = new PackWriter(objects, {
      packSize: options.packSize ?? DEFAULT_BLOB_PACK_SIZE,
      ...(options.indexes ? { indexes: options.indexes } : {}),
      onSeal: (packId) => index.announce?.(packId),
      onDurable: async (packId, entries) => {
        await index.addPack(packId, entries);
        // A small pack is a commit's few new nodes (a group commit of S3 PUTs): they stay in the read cache,
        // since the next commit on the branch starts from them. A large one (a big put) is not kept, so it
        // does not push out what readers use nor hold the cache's worth of memory.
        const keep = entries.reduce((n, e) => n + (e.kind === 'blob' ? e.ref.size : 0), 0) <= KEEP_WRITTEN;
        for (const e of entries) {
          if (e.kind === 'chunk') {
            if (this.pendingChunks.get(e.key) === e.ref) this.pendingChunks.delete(e.key);
            continue;
          }
          const bytes = this.pending.get(e.key);
          this.pending.delete(e.key);
          if (keep && bytes) this.cache.set(e.key, bytes);
        }
      },
    });
  }

  async put(id: string, bytes: Uint8Array): Promise<boolean> {
    if (this.pending.has(id) || (await this.index.has('blob', id)) || this.pending.has(id)) return false;
    const copy = Uint8Array.from(bytes);
    this.packs.add('blob', id, copy, createHash('sha256').update(copy).digest('hex'));
    this.pending.set(id, copy);
    await this.packs.backpressure();
    return true;
  }

  /**
   * Stores a chunk (`hash`: the sha256 of `bytes`) in the open blob pack, beside the tree nodes,
   * and returns where it lives; a chunk already stored (or put here and not yet durable) is
   * referenced instead. Durable after flush(), readable through the chunk index from then on.
   * For a tiny file's only chunk: the caller's commit then flushes its content and its nodes as one pack.
   */
  async putChunk(bytes: Uint8Array, hash: string): Promise<ChunkRef> {
    const pending = this.pendingChunks.get(hash);
    if (pending) {
      this.index.announce?.(pending.pack); // re-used by another writer than the one that put it: a touch (gc-journal.ts), as a lookup is
      return pending;
    }
    const known = (await this.index.lookup('chunk', hash)) ?? this.pendingChunks.get(hash);
    if (known) return known;
    const ref = this.packs.add('chunk', hash, bytes, hash);
    this.pendingChunks.set(hash, ref);
    await this.packs.backpressure();
    return ref;
  }

  /** The blob's bytes (shared with the cache: do not modify them). */
  async get(id: string): Promise<Uint8Array> {
    const known = this.pending.get(id) ?? this.cache.get(id);
    if (known) return known;
    const ref = await this.readIndex.lookup('blob', id);
    if (!ref) throw this.notFound(id);
    let bytes: Uint8Array;
    try {
      [bytes] = (await readEntries(this.objects, [ref])) as [Uint8Array];
    } catch (err) {
      // The collector rewrote the pack between the lookup and the read: the index names the new one.
      const moved = isTuskError(err) && err.code === 'ObjectNotFound' ? await this.readIndex.lookup('blob', id) : undefined;
      if (!moved || moved.pack === ref.pack) throw err;
      [bytes] = (await readEntries(this.objects, [moved])) as [Uint8Array];
    }
    this.cache.set(id, bytes);
    return bytes;
  }

  /**
   * As get() for each ID, in order. Blobs not in memory are grouped by pack and read in offset
   * order, one ranged read per run of blobs less than READ_GAP apart (at most READ_SPAN bytes), so
   * a tree walk's next leaves, written side by side, cost one read instead of one per leaf. Read
   * blobs are not kept in the byte cache: the caller keeps what it decodes. A run whose pack is
   * gone (the collector rewrote it) is read one blob at a time through get().
   */
  async getMany(ids: readonly string[]): Promise<Uint8Array[]> {
    const out: Uint8Array[] = new Array(ids.length);
    const wanted: { at: number; ref: ChunkRef }[] = [];
    for (let i = 0; i < ids.length; i++) {
      const known = this.pending.get(ids[i]!) ?? this.cache.get(ids[i]!);
      if (known) out[i] = known;
      else {
        const ref = await this.readIndex.lookup('blob', ids[i]!);
        if (!ref) throw this.notFound(ids[i]!);
        wanted.push({ at: i, ref });
      }
    }
    wanted.sort((a, b) => (a.ref.pack < b.ref.pack ? -1 : a.ref.pack > b.ref.pack ? 1 : a.ref.offset - b.ref.offset));
    const runs: { at: number; ref: ChunkRef }[][] = [];
    for (const w of wanted) {
      const run = runs[runs.length - 1];
      const first = run?.[0]?.ref;
      const last = run?.[run.length - 1]?.ref;
      if (run && first!.pack === w.ref.pack && w.ref.offset - (last!.offset + last!.size) <= READ_GAP && w.ref.offset + w.ref.size - first!.offset <= READ_SPAN) run.push(w);
      else runs.push([w]);
    }
    await Promise.all(
      runs.map(async (run) => {
        let bytes: Uint8Array[];
        try {
          bytes = await readEntries(this.objects, run.map((w) => w.ref));
        } catch (err) {
          if (!isTuskError(err) || err.code !== 'ObjectNotFound') throw err;
          bytes = await Promise.all(run.map((w) => this.get(ids[w.at]!)));
        }
        run.forEach((w, k) => (out[w.at] = bytes[k]!));
      }),
    );
    return out;
  }

  /** The blob as stored in its pack (no cache, no pending copy), verified against its sha256. Throws ObjectNotFound, CorruptObject. */
  async getStored(id: string): Promise<Uint8Array> {
    const ref = await this.readIndex.lookup('blob', id);
    if (!ref) throw this.notFound(id);
    const [bytes] = await readEntries(this.direct, [ref]);
    return bytes!;
  }

  /** ObjectNotFound, or CorruptObject naming the unreadable packs that may hold the blob. */
  private notFound(id: string): Error {
    if (this.unreadable.length === 0) return new ObjectNotFound(`blob:${id}`);
    const packs = this.unreadable.map((u) => u.pack);
    return new CorruptObject(packs[0]!, `blob ${id} is in none of the readable packs; it may be in ${packs.join(', ')}, whose index could not be read or rebuilt (${this.unreadable[0]!.reason})`);
  }

  async has(id: string): Promise<boolean> {
    return this.pending.has(id) || this.index.has('blob', id);
  }

  async flush(): Promise<void> {
    await this.packs.flush();
  }

  get stats() {
    return this.packs.stats;
  }
}
