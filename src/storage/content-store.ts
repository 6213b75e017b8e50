// The content store: how the rest of Tusk stores and reads file bytes and
// small blobs. It ties together the chunk stream (file-writer), packs
// (pack-writer), the chunk index and the readers, over one ObjectStore.
//
//   const store = await ContentStore.open(objects);
//   const session = store.writer();
//   const a = session.writeFile(bytesOrStream);   // queue many, then
//   await session.close();                         // durable from here on
//   for await (const part of store.read(await a)) ...
//   for await (const part of store.readReusing(c)) await write(part); // each part valid until the next
//   await store.blobs.put(id, bytes); await store.blobs.flush();
import { createHash } from 'node:crypto';
import type { BlobStore } from './blob-store.js';
import { MemoryChunkIndex, rebuildChunkIndex, type ChunkIndex, type StorageLog, type UnreadablePack } from './chunk-index.js';
import { DEFAULT_CHUNK_PARAMS, type ChunkParams } from './chunker.js';
import { CHUNK_LIST_HASH_MIN, isByteHash, type ChunkRef, type DataRef, type FileContent } from './content.js';
import { joinedChunkListHash, rangeRefs, wholeChunks } from './joined-hash.js';
import { FileReader, type ReadRange, type ReusedPieces } from './file-reader.js';
import { ReadBufferPool } from './read-buffers.js';
import { GcJournal, type Lease } from './gc-journal.js';
import { TouchingIndex } from './touching-index.js';
import { DEFAULT_MAX_SLABS, DEFAULT_SLAB_SIZE, WriteSession, type WriteSessionOptions } from './file-writer.js';
import { SlabPools } from './slab-pool.js';
import { GearScanThread } from './gear-scan.js';
import { SharedCopier } from './shared-copy.js';
import { InlineHasher, WorkerHasher, type Hasher } from './hasher.js';
import { checkEntries, type EntryCheck } from './integrity.js';
import type { ObjectStore } from './object-store.js';
import { PAGE_ALIGN } from './aligned-memory.js';
import { PackedBlobStore } from './packed-blob-store.js';
import { PendingIndexes } from './pending-indexes.js';
import { decodeRefs } from './ref-codec.js';
import { SharedWriter, type SharedFileWriter } from './shared-writer.js';

/** Bytes of one ranged read of a file's chunks (a group); each reused read buffer has PAGE_ALIGN more, to align it in. */
const READ_BUFFER_BYTES = 8 * 1024 * 1024;
/** Groups read ahead of the consumer. */
const READ_AHEAD = 4;
/**
 * A local output's first group (then twice as large each, up to READ_BUFFER_BYTES): the device starts on the
 * file's first write about 10 ms sooner than after reading and verifying a whole 8 MiB first. Twice the
 * direct writer's smallest in-place piece (1 MiB, server/direct-output.ts), so that it is written from where it lies.
 */
const FIRST_GROUP_BYTES = 2 * 1024 * 1024;

export interface ContentStoreOptions {
  /** A persistent index; without one an in-memory index is rebuilt from the object store's pack indexes. */
  index?: ChunkIndex;
  /** Hash, and find cut candidates of large reads, on worker threads (default true): needed for full write speed, costs threads. */
  hashThread?: boolean;
  chunking?: ChunkParams;
  packSize?: number;
  /** Memory for recently read chunks and for recently read blobs (default 32 MiB each). */
  cacheBytes?: number;
  /** The object store beneath any read cache (CacheStore.inner): fsck reads what is really stored from it. Default: `objects`. */
  direct?: ObjectStore;
  /** Where rebuilding the index reports the pack indexes it repaired and the packs it could not read. */
  log?: StorageLog;
}

export class ContentStore {
  readonly blobs: BlobStore;
  /** The same store as `blobs`, for what only the packed one does (putChunk). */
  private readonly packedBlobs: PackedBlobStore;
  /** Touches and leases that keep a running collection off what writers are using (gc-journal.ts). */
  readonly journal = new GcJournal();
  /** The index as writers see it: dedup hits and new packs touch the journal. */
  private readonly writerIndex: ChunkIndex;
  private readonly reader: FileReader;
  private hasher?: Hasher;
  private gearScan?: GearScanThread;
  /** Shared by the sessions: its stage is reused, not allocated per session (see shared-copy.ts). */
  private readonly copier = new SharedCopier();
  /** Slab memory the write sessions share, one session after another (see slab-pool.ts). */
  private readonly slabPools = new SlabPools(DEFAULT_SLAB_SIZE, DEFAULT_MAX_SLABS);
  /** Written pack buffers the sessions share, for the same reason. */
  private readonly packBuffers: Uint8Array[] = [];
  /** Written small-pack buffers (a group of S3 PUTs each writes one), likewise. */
  private readonly firstPackBuffers: Uint8Array[] = [];
  /**
   * Buffers readReusing reads into, kept between reads for the same reason: one reader's worth
   * (READ_AHEAD being filled, the one the consumer holds and the one before, whose writes may still be
   * under way: see ReusedPieces). Page-aligned, with pieces laid out at
   * their output offsets modulo PAGE_ALIGN: a direct-I/O writer writes them from there (see read-buffers.ts).
   */
  private readonly readBuffers = new ReadBufferPool(READ_BUFFER_BYTES + PAGE_ALIGN, READ_AHEAD + 2, PAGE_ALIGN);
  /** Group-flushed sessions for small files written one per caller (shared-writer.ts). */
  private shared?: SharedWriter;
  /** Pack index objects still being written: no write waits for them, close() does (pending-indexes.ts). */
  private readonly indexWrites = new PendingIndexes();

  private constructor(readonly objects: ObjectStore, readonly index: ChunkIndex, private readonly options: ContentStoreOptions, readonly unreadable: readonly UnreadablePack[] = []) {
    this.writerIndex = new TouchingIndex(index, this.journal);
    const blobs = new PackedBlobStore(objects, this.writerIndex, { packSize: options.packSize, cacheBytes: options.cacheBytes, unreadable, readIndex: index, direct: options.direct, indexes: this.indexWrites });
    this.blobs = blobs;
    this.packedBlobs = blobs;
    this.reader = new FileReader(objects, blobs, { cacheBytes: options.cacheBytes, locate: (hash) => index.lookup('chunk', hash), readAhead: READ_AHEAD, maxGroupBytes: READ_BUFFER_BYTES, firstGroupBytes: FIRST_GROUP_BYTES });
  }

  /** Holds what a piece of work writes against collection until it is reachable from a root; release() when it is (or is abandoned). */
  lease(what: string): Lease {
    return this.journal.lease(what);
  }

  static async open(objects: ObjectStore, options: ContentStoreOptions = {}): Promise<ContentStore> {
    let index = options.index;
    let unreadable: UnreadablePack[] = [];
    if (!index) {
      index = new MemoryChunkIndex();
      ({ unreadable } = await rebuildChunkIndex(objects, index, 8, options.log));
    }
    return new ContentStore(objects, index, options, unreadable);
  }

  /**
   * Marks a content that is referenced without being written (copy file, a multipart part copied
   * from a file) as in use by a writer: each pack holding its chunks or ref lists is touched, so a
   * collection running now keeps it (gc-journal.ts). Call it under a lease, before the reference is recorded.
   */
  async pin(content: FileContent): Promise<void> {
    for (const ref of content.refs ?? []) await this.pinChunk(ref.chunk.pack, ref.chunk.hash);
    for (const id of content.indirect ?? []) {
      if (!(await this.writerIndex.has('blob', id))) continue; // not durable yet: its pack is new to any collection running
      for (const ref of decodeRefs(await this.blobs.get(id), `blob:${id}`)) await this.pinChunk(ref.chunk.pack, ref.chunk.hash);
    }
  }

  private async pinChunk(pack: string, hash: string): Promise<void> {
    this.journal.touch(pack);
    await this.writerIndex.lookup('chunk', hash); // and where the index says it lives now (a rewritten pack)
  }

  /** A new write session. Sessions are independent; several may run at once. */
  writer(): WriteSession {
    return this.session();
  }

  /**
   * A writer for a few small files whose caller needs them durable before it
   * answers (an S3 PUT): callers flushing at about the same time share one
   * pack write (shared-writer.ts). Hand it whole files in memory. Each file is
   * cut into chunks on its own, as a session of its own would cut it: a file
   * under the minimum chunk size is one chunk, stored in the blob packs beside
   * the tree nodes (flushed by blobs.flush() too).
   */
  sharedWriter(): SharedFileWriter {
    this.shared ??= new SharedWriter(() => this.session(1), {
      below: this.tinyBelow(),
      put: (bytes) => this.putTiny(bytes),
      flush: () => this.blobs.flush(),
    });
    return this.shared.writer();
  }

  /**
   * Stores a tiny file (1 byte to under the minimum chunk size: one chunk however it is cut) whole in the
   * blob packs, beside the tree nodes, as sharedWriter() does: durable after blobs.flush(). Undefined for
   * a file of any other size (write it through a session).
   */
  writeTiny(bytes: Uint8Array): Promise<FileContent> | undefined {
    return bytes.length > 0 && bytes.length < this.tinyBelow() ? this.putTiny(bytes) : undefined;
  }

  private tinyBelow(): number {
    return Math.min((this.options.chunking ?? DEFAULT_CHUNK_PARAMS).minSize, CHUNK_LIST_HASH_MIN);
  }

  /** A file of one chunk (under the minimum chunk size), stored in the blob packs: its content hash is the sha256 of its bytes. */
  private async putTiny(bytes: Uint8Array): Promise<FileContent> {
    const hash = createHash('sha256').update(bytes).digest('hex');
    const chunk = await this.packedBlobs.putChunk(bytes, hash);
    return { size: bytes.length, hash, refs: [{ chunk, start: 0, length: bytes.length }] };
  }

  private session(largeFile?: number): WriteSession {
    return new WriteSession(this.objects, { ...(largeFile !== undefined ? { largeFile } : {}), ...this.sessionOptions() });
  }

  private sessionOptions(): WriteSessionOptions {
    return {
      index: this.writerIndex,
      hasher: this.hashing(),
      ...(this.options.hashThread === false ? {} : { gearScan: (this.gearScan ??= new GearScanThread()) }),
      firstPackBuffers: this.firstPackBuffers,
      chunking: this.options.chunking,
      packSize: this.options.packSize,
      slabPools: this.slabPools,
      packBuffers: this.packBuffers,
      copier: this.copier,
      indexes: this.indexWrites,
    };
  }

  /** Streams a file's bytes (or a range of them); see FileReader.read for the errors. */
  read(content: FileContent, range?: ReadRange): AsyncGenerator<Uint8Array> {
    return this.reader.read(content, range);
  }

  /**
   * Many small files, each whole: one promise per file, settling as readBytes() of it would. Files of one
   * chunk lying near each other in a pack are read with one ranged read (FileReader.readMany).
   */
  readMany(contents: readonly FileContent[]): Promise<Uint8Array>[] {
    return this.reader.readMany(contents);
  }

  /**
   * As read(), for a consumer that is done with each part before it asks for
   * the next (writes it to a file, say): every part is valid only until then,
   * or until the promise the consumer passes to that next() settles (see
   * ReusedPieces), as it lies in a buffer that is read into again. Chunks are
   * read into reused memory and verified on the hash thread while the
   * consumer works. Throws as read().
   */
  readReusing(content: FileContent, range?: ReadRange): ReusedPieces {
    return this.reader.readReusing(content, range, { pool: this.readBuffers, hasher: this.hashing() });
  }

  /** Starts the threads a large write uses (the chunks' hash thread, the gear scan thread) in the background. */
  warm(): void {
    if (this.options.hashThread === false) return;
    this.hashing().warm?.();
    (this.gearScan ??= new GearScanThread()).warm();
  }

  private hashing(): Hasher {
    return (this.hasher ??= this.options.hashThread === false ? new InlineHasher() : new WorkerHasher());
  }

  /**
   * The content hash of a stored file's bytes, read back (each chunk verified, as every read is)
   * and hashed as a write of them would hash them: for a file made of stored pieces (a completed
   * multipart upload), whose content hash needs its bytes cut into chunks of its own (content.ts).
   * Nothing is stored.
   */
  async hashOf(content: FileContent): Promise<string> {
    const session = new WriteSession(this.objects, { ...this.sessionOptions(), hashOnly: true });
    const hashed = session.writeFile(this.read(content));
    hashed.catch(() => undefined); // observed below
    try {
      await session.close();
    } catch (err) {
      await hashed.catch(() => undefined);
      throw err;
    }
    return (await hashed).hash;
  }

  /**
   * As hashOf(joined) for a file made of `pieces` (the slices of each, in order: `joined` holds all
   * of them) where each piece was written by a write session of its own, so that its chunks are
   * cut from its own first byte (an UploadPart): only the bytes around the seams are read and cut
   * again (joined-hash.ts). A piece not made of whole chunks, or a small file, is hashed by hashOf.
   */
  async hashOfJoined(joined: FileContent, pieces: readonly (readonly DataRef[])[]): Promise<string> {
    if (isByteHash(joined.size) || !pieces.every(wholeChunks)) return this.hashOf(joined);
    // Each read near a seam is of the few references there, not of `joined` (see rangeRefs).
    const refsIn = rangeRefs(pieces);
    return joinedChunkListHash(pieces, this.options.chunking ?? DEFAULT_CHUNK_PARAMS, (offset, length) => {
      const refs = refsIn(offset, length);
      return this.readBytes({ size: refs.reduce((n, r) => n + r.length, 0), hash: joined.hash, refs });
    });
  }

  /** Reads back every chunk in `refs` and reports the missing and corrupt ones (fsck; integrity.ts). */
  verify(refs: Iterable<ChunkRef>): Promise<EntryCheck> {
    return checkEntries(this.options.direct ?? this.objects, this.index, refs);
  }

  /** A whole file in memory: for small files only. */
  async readBytes(content: FileContent, range?: ReadRange): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    for await (const part of this.read(content, range)) parts.push(part);
    return Buffer.concat(parts); // a copy: yielded parts may be views of cached chunks
  }

  /** Flushes blobs, waits for the pack index objects still being written, and stops the hash and scan threads. Write sessions must be closed first. */
  async close(): Promise<void> {
    await this.blobs.flush();
    await this.indexWrites.settled();
    await Promise.all([this.hasher?.close(), this.gearScan?.close()]);
    this.hasher = undefined;
    this.gearScan = undefined;
  }
}
