// A write session: turns files into FileContents (sha256 + slices of chunks).
//
// All files written through one session flow through ONE chunk stream, in the
// order writeFile was called, so small files share chunks and 100,000 files of
// 1 KiB become ~1,400 chunks in 7 packs, not 100,000 objects. A file of at
// least `largeFile` bytes (default: the maximum chunk size, big enough to fill a
// chunk of its own) gets a cut before its first and after its last byte, so the
// same big file always yields the same chunks whatever surrounds it.
//
// The bytes are copied once into a slab of shared WebAssembly memory (so a
// source may reuse its buffer: each piece is copied before the next is asked
// for; a FillingSource, a local file, is read straight into the slab instead); the chunk scan runs over the slab (in WebAssembly, see gear-kernel.ts;
// for a large local file, on the scan thread as each read lands, see gear-scan.ts)
// and hashing runs in batches on the Hasher while the scan goes on: each
// chunk's sha256, and the sha256 of each file under CHUNK_LIST_HASH_MIN (a larger
// file's content hash is made from its chunks' hashes, content.ts, so its
// bytes are hashed once). Results are committed in stream order: a chunk already in
// the index (or earlier in this session) is referenced, a new one is copied
// into the open pack. A chunk never straddles two slabs: when a slab fills, the
// unfinished chunk is carried over to the start of the next one.
//
// A file's promise resolves once every chunk holding its bytes is cut. A small
// file's last chunk is normally cut by the data after it, so it resolves when
// later files arrive or on flush(); if nothing else is queued when it ends,
// its last chunk is cut at its end so that `await writeFile(...)` never waits
// for data that is not coming. Queue many writes without awaiting each to get
// the packing; either way the contents are only durable after flush().
// writeFiles takes many whole files as one operation with one promise (a
// message of a `put -r`): they are cut as if written one by one, and the chunk
// is cut at the last one's end when nothing is queued after it.
import { createHash } from 'node:crypto';
import { TuskError } from '../errors/index.js';
import type { ChunkIndex } from './chunk-index.js';
import { ChunkScanner, DEFAULT_CHUNK_PARAMS, loosestMask, type ChunkParams } from './chunker.js';
import { chunkListHash, EMPTY_HASH, isByteHash, CHUNK_LIST_HASH_MIN, type ChunkRef, type DataRef, type FileContent } from './content.js';
import type { GearCandidates } from './gear-kernel.js';
import { scanSizes, type GearCuts, type GearScanThread } from './gear-scan.js';
import type { Hasher, HashOp } from './hasher.js';
import type { ObjectStore } from './object-store.js';
import type { PackEntry } from './pack-format.js';
import { PackWriter, type PackWriterStats } from './pack-writer.js';
import type { PendingIndexes } from './pending-indexes.js';
import { encodeRefs } from './ref-codec.js';
import { SharedCopier } from './shared-copy.js';
import { SlabPools, type Slab, type SlabPool } from './slab-pool.js';
import type { GearLoop } from './chunker.js';

export const DEFAULT_SLAB_SIZE = 4 * 1024 * 1024;
export const DEFAULT_MAX_SLABS = 4;
/** Pack buffers a shared pool keeps after a flush (2 × 16 MiB): many small sessions in a row (S3 parts and puts) reuse them. */
const KEPT_PACK_BUFFERS = 2;

/** Files with more slices than this keep them in ref-list blobs. */
export const INLINE_REFS = 32;
const REFS_PER_BLOB = 1024;
/** Bytes appended between hash batches (fewer messages to the worker vs. how soon it starts). */
const BATCH_BYTES = 2 * 1024 * 1024;
/** Largest single read of a FillingSource into a slab. */
const FILL_BYTES = 2 * 1024 * 1024;
/**
 * Reads of a FillingSource at least this large have their cuts (or cut candidates) found on the scan
 * thread (smaller ones: a round trip costs more), as have all later reads of a file whose cuts it finds.
 */
const SCAN_AHEAD_BYTES = 1024 * 1024;

export type FileSource = Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

/**
 * A source the session reads straight into its slab memory, saving the copy
 * out of the source's own buffer (a local file the daemon reads itself). It is
 * still an AsyncIterable, for consumers that only iterate. The session uses
 * either `fill` or iteration, never both, and calls `close` once it is done
 * with the source, also after a failure or when the write never starts
 * (`close` may be called more than once).
 */
export interface FillingSource extends AsyncIterable<Uint8Array> {
  /** Reads up to `target.length` bytes into `target`; resolves with how many, 0 at the end. */
  fill(target: Uint8Array): Promise<number>;
  close(): Promise<void>;
}

function isFilling(source: FileSource): source is FillingSource & AsyncIterable<Uint8Array> {
  const s = source as Partial<FillingSource>;
  return typeof s.fill === 'function' && typeof s.close === 'function';
}

export interface WriteSessionOptions {
  index: ChunkIndex;
  hasher: Hasher;
  /** Finds cut candidates of large reads ahead of the scan (see gear-scan.ts); without it the session's thread hashes every byte. */
  gearScan?: GearScanThread;
  chunking?: ChunkParams;
  packSize?: number;
  /** Files at least this large get chunk boundaries of their own (default: chunking.maxSize). */
  largeFile?: number;
  /** Size of a slab of the stream window, and how many may be in use at once. */
  slabSize?: number;
  maxSlabs?: number;
  /**
   * Only compute contents' hashes: chunks are neither stored nor looked up, and the contents'
   * data references are not kept (ContentStore.hashOf: the content hash of bytes already stored).
   */
  hashOnly?: boolean;
  /** Where the session takes its slab memory from and gives it back to when idle (shared by a content store's sessions). */
  slabPools?: SlabPools;
  /** Written pack buffers to reuse, shared by a content store's sessions (see PackWriterOptions.spare). */
  packBuffers?: Uint8Array[];
  /** Written small-pack buffers to reuse, likewise shared (see PackWriterOptions.firstBuffers). */
  firstPackBuffers?: Uint8Array[];
  /** Where pack index objects are left to finish (PackWriterOptions.indexes); default: close() waits for them. */
  indexes?: PendingIndexes;
  /** Copies pieces into slabs and chunks into packs (its stage shared by a content store's sessions). */
  copier?: SharedCopier;
}

export interface WriteStats {
  /** Files whose content is complete. */
  files: number;
  /** File bytes received. */
  bytesIn: number;
  chunksNew: number;
  chunksDeduped: number;
  /** Bytes of new chunks and blobs put into packs. */
  bytesNew: number;
  /** Ref-list blobs stored for large files. */
  blobsNew: number;
  /** Objects put (packs and pack indexes) and their bytes. */
  packs: number;
  objects: number;
  bytesWritten: number;
}

interface FileRecord {
  start: number;
  /** -1 while bytes are still arriving. */
  end: number;
  stream: number;
  mode: 'undecided' | 'small' | 'large';
  /** Whether the sha256 of all its bytes is wanted, whatever its size (writeFileHashed). */
  byteHash: boolean;
  hash: string | undefined;
  /** The hasher stream of the MD5 of its bytes, when wanted (writeFileHashed with md5), and that MD5 once hashed. */
  md5Stream: number | undefined;
  md5: string | undefined;
  /** Undefined until its first slice: then an array of just the slices (one, for most small files). */
  refs: DataRef[] | undefined;
  failed: boolean;
  /** Its place in its writeFiles batch (0 for a file of its own). */
  index: number;
  /** With the bytes' sha256 if byteHash, else '', and `index`: one function for a whole batch. */
  resolve(result: HashedContent, index: number): void;
  reject(err: unknown): void;
}

/** A file's content and the sha256 of its bytes (which is its content hash only under CHUNK_LIST_HASH_MIN). */
export interface HashedContent {
  content: FileContent;
  sha256: string;
  /** The hex MD5 of its bytes when asked for (an S3 ETag), else ''. */
  md5: string;
}

export interface HashedOptions {
  /** The sha256 of all the bytes (default true); without it `sha256` is ''. */
  sha256?: boolean;
  /** Also the MD5 of the bytes, hashed on the hasher with the chunks (off the session's thread). */
  md5?: boolean;
}

const EMPTY_MD5 = 'd41d8cd98f00b204e9800998ecf8427e';

/** What the scan thread found in a read: its cuts or its cut candidates. */
type Ahead = GearCuts | GearCandidates | undefined;

/**
 * A file's reads whose cuts the scan thread finds: from its first read on
 * ('open'), while no read has been left out; 'broken' once one was.
 */
interface CutChain {
  id: number;
  state: 'none' | 'open' | 'broken';
}

type Item = { start: number; end: number; file?: undefined } | { file: FileRecord };

export class WriteSession {
  private readonly scanner: ChunkScanner;
  private readonly pools: SlabPools;
  /** The slab memory, taken on the first write and given back when a flush leaves the session idle. */
  private slabs?: SlabPool;
  private readonly largeFile: number;
  /** The mask cut candidates are found with. */
  private readonly candidateMask: number;
  /** The chunk sizes as the scan thread takes them. */
  private readonly scanSizes: number[];
  /** The cuts found ahead for the bytes being taken in now (set around one synchronous advance, like the kernel's cover). */
  private plan: GearCuts | undefined;
  private readonly packs: PackWriter;
  private readonly copier: SharedCopier;
  private readonly counts = { files: 0, bytesIn: 0, chunksNew: 0, chunksDeduped: 0, bytesNew: 0, blobsNew: 0 };

  // The queue of operations (writes and flushes), run one at a time in call order.
  private jobs: ({ run: () => Promise<void>; fail: (err: unknown) => void } | undefined)[] = [];
  private jobsHead = 0;
  private running = false;
  private failure: unknown;
  private closed = false;

  // The stream, touched only by the running operation. Positions count bytes since the session began.
  private pos = 0;
  private scanned = 0;
  private chunkStart = 0;
  private slab?: Slab;
  private ops: HashOp[] = [];
  private items: Item[] = [];
  private batchBytes = 0;

  // Committing hash results, in stream order.
  private commits: Promise<void> = Promise.resolve();
  private committed = 0;
  private files: FileRecord[] = [];
  private filesHead = 0;
  private readonly pendingChunks = new Map<string, ChunkRef>();
  private readonly pendingBlobs = new Set<string>();

  constructor(objects: ObjectStore, private readonly options: WriteSessionOptions) {
    const chunking = options.chunking ?? DEFAULT_CHUNK_PARAMS;
    this.largeFile = options.largeFile ?? chunking.maxSize;
    this.candidateMask = loosestMask(chunking);
    this.scanSizes = scanSizes(chunking);
    this.copier = options.copier ?? new SharedCopier();
    const slabSize = options.slabSize ?? DEFAULT_SLAB_SIZE;
    if (slabSize < 2 * (chunking.maxSize + this.largeFile)) throw new RangeError('slabSize must hold two maximal carried regions');
    // A file hashed from its chunks must be cut on its own (see content.ts).
    if (this.largeFile > CHUNK_LIST_HASH_MIN) throw new RangeError(`largeFile must be at most CHUNK_LIST_HASH_MIN (${CHUNK_LIST_HASH_MIN})`);
    this.pools = options.slabPools ?? new SlabPools(slabSize, options.maxSlabs ?? DEFAULT_MAX_SLABS, 1);
    if (this.pools.slabSize !== slabSize) throw new RangeError('the slab pools hold slabs of another size');
    // The gear loop of whichever pool the session holds (the scanner is reset whenever the pool changes).
    const session = this;
    const loop: GearLoop = {
      run: (buf, i, avgStop, maxStop, h, ms, ml) => this.pool().kernel.run(buf, i, avgStop, maxStop, h, ms, ml),
      get hash() {
        return session.pool().kernel.hash;
      },
    };
    this.scanner = new ChunkScanner(chunking, loop);
    this.packs = new PackWriter(objects, {
      packSize: options.packSize,
      onSeal: (id) => options.index.announce?.(id),
      ...(options.packBuffers ? { spare: options.packBuffers, keepSpare: KEPT_PACK_BUFFERS } : {}),
      ...(options.firstPackBuffers ? { firstBuffers: options.firstPackBuffers } : {}),
      ...(options.indexes ? { indexes: options.indexes } : {}),
      onDurable: (id, entries) => this.durable(id, entries),
      stream: true,
      copier: this.copier,
    });
  }

  /**
   * Writes one file's bytes (a buffer or a stream of buffers). Resolves with its
   * content once its chunks are cut (see the head comment); the content is
   * durable only after flush(). Rejects with the source's error if reading it
   * fails (the session stays usable) or with the error that broke the session.
   */
  writeFile(source: FileSource): Promise<FileContent> {
    // Resolved with the content itself: no second promise per file (a put of a million tiny files makes a million).
    return new Promise<FileContent>((resolve, reject) => this.start(source, false, false, (h) => resolve(h.content), reject));
  }

  /**
   * As writeFile, and also the sha256 of the file's bytes (an S3 part's signed
   * x-amz-content-sha256 is checked against it), hashed on the hasher with the chunks;
   * with `md5`, also the MD5 of the bytes (an S3 ETag), likewise; with `sha256: false`, only that MD5.
   */
  writeFileHashed(source: FileSource, options: HashedOptions = {}): Promise<HashedContent> {
    return this.write(source, options.sha256 !== false, options.md5 === true);
  }

  /**
   * Writes many whole files in memory, in order, as one operation: resolves with
   * their contents (in the same order) once the last one's chunks are cut, or
   * rejects with the first failure. For many tiny files (a message of a
   * `put -r`): one promise and one queued operation for them all, not one each.
   */
  writeFiles(sources: readonly Uint8Array[]): Promise<FileContent[]> {
    return new Promise<FileContent[]>((resolve, reject) => {
      const contents = new Array<FileContent>(sources.length);
      let left = sources.length;
      if (left === 0) return resolve(contents);
      const done = (h: HashedContent, index: number) => {
        contents[index] = h.content;
        if (--left === 0) resolve(contents);
      };
      this.enqueue(() => this.consumeAll(sources, done, reject), reject);
    });
  }

  private write(source: FileSource, byteHash: boolean, md5 = false): Promise<HashedContent> {
    return new Promise<HashedContent>((resolve, reject) => this.start(source, byteHash, md5, resolve, reject));
  }

  /** Queues one file's write; `resolve` gets its content and hashes once its chunks are cut. */
  private start(source: FileSource, byteHash: boolean, md5: boolean, resolve: (h: HashedContent) => void, reject: (err: unknown) => void): void {
    // md5Stream is given a stream number when the write starts (consume).
    const file = newRecord(byteHash, md5 ? 0 : undefined, 0, resolve, reject);
    // A FillingSource is closed also when its write never runs (the session failed or was closed first).
    const filling = isFilling(source) ? source : undefined;
    const fail = filling ? (err: unknown) => void filling.close().catch(() => undefined).then(() => reject(err)) : reject;
    this.enqueue(() => this.consume(source, file), fail);
  }

  /** Cuts the open chunk and makes every file written so far durable (packs and their indexes written). */
  flush(): Promise<void> {
    return new Promise<void>((resolve, reject) => this.enqueue(async () => resolve(await this.drain()), reject));
  }

  /** Flushes and ends the session; later writes are refused. */
  async close(): Promise<void> {
    const done = this.flush();
    this.closed = true;
    await done;
  }

  stats(): WriteStats {
    const p: PackWriterStats = this.packs.stats;
    return { ...this.counts, packs: p.packs, objects: p.objects, bytesWritten: p.bytes };
  }

  private enqueue(run: () => Promise<void>, fail: (err: unknown) => void): void {
    if (this.closed) {
      fail(new TuskError('failed_precondition', 'WriteSessionClosed', 'the write session is closed'));
      return;
    }
    this.jobs.push({ run, fail });
    if (!this.running) void this.runJobs();
  }

  /** Operations queued behind the running one. */
  private get waiting(): number {
    return this.jobs.length - this.jobsHead;
  }

  private async runJobs(): Promise<void> {
    this.running = true;
    while (this.jobsHead < this.jobs.length) {
      const job = this.jobs[this.jobsHead]!;
      this.jobs[this.jobsHead++] = undefined;
      if (this.jobsHead > 1024 && this.jobsHead * 2 > this.jobs.length) {
        this.jobs = this.jobs.slice(this.jobsHead);
        this.jobsHead = 0;
      }
      try {
        if (this.failure !== undefined) throw this.failure;
        await job.run();
      } catch (err) {
        job.fail(err);
      }
    }
    this.running = false;
  }

  /** Starts `file` at the stream's end. */
  private begin(file: FileRecord): void {
    file.start = this.pos;
    file.stream = this.options.hasher.newStream();
    if (file.md5Stream !== undefined) file.md5Stream = this.options.hasher.newStream();
    this.files.push(file);
  }

  /** A writeFiles batch: each file in turn, its record made only now (not while it waits in the queue). */
  private async consumeAll(sources: readonly Uint8Array[], resolve: FileRecord['resolve'], reject: FileRecord['reject']): Promise<void> {
    // As in consume: writes queued in the same turn see each other (see endFile).
    await undefined;
    const last = sources.length - 1;
    for (let i = 0; i <= last; i++) {
      const source = sources[i]!;
      const file = newRecord(false, undefined, i, resolve, reject);
      this.begin(file);
      const appending = source.length > 0 ? this.append(source, file) : undefined;
      if (appending) await appending;
      this.endFile(file, i < last);
    }
  }

  private async consume(source: FileSource, file: FileRecord): Promise<void> {
    this.begin(file);
    if (isFilling(source)) return this.consumeFilling(source, file);
    if (source instanceof Uint8Array) {
      // One piece (most often a tiny file): no iterator and, when it fits the slab, no promise of its own.
      // The await keeps a write's end one turn after it is queued, as an iterated source's first read
      // does, so writes queued together (a message of many files) see each other (see endFile).
      await undefined;
      const appending = source.length > 0 ? this.append(source, file) : undefined;
      if (appending) await appending;
      this.endFile(file);
      return;
    }
    const iterable: Iterable<Uint8Array> | AsyncIterable<Uint8Array> = source instanceof Uint8Array ? [source] : source;
    const it = Symbol.asyncIterator in iterable ? iterable[Symbol.asyncIterator]() : iterable[Symbol.iterator]();
    let sourceError: unknown;
    for (;;) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await it.next();
      } catch (err) {
        sourceError = err ?? new Error('source failed');
        break;
      }
      if (next.done) break;
      if (!(next.value instanceof Uint8Array)) {
        sourceError = new TypeError('a file source must yield Uint8Array pieces');
        await it.return?.();
        break;
      }
      try {
        if (next.value.length > 0) await this.append(next.value, file);
      } catch (err) {
        await it.return?.();
        throw err;
      }
    }
    if (sourceError !== undefined) {
      file.failed = true;
      file.reject(sourceError);
    }
    this.endFile(file);
  }

  /**
   * Reads a FillingSource straight into the slab, the next read already under
   * way (into the space after the current piece) while a piece is scanned,
   * and a large piece's cut candidates found on the scan thread as soon as it
   * is read. A read into a slab (and the search over it) is always awaited
   * before the slab can change hands.
   */
  private async consumeFilling(source: FillingSource, file: FileRecord): Promise<void> {
    let reading: { at: number; n: Promise<number>; ahead?: Promise<Ahead> } | undefined;
    const chain: CutChain = { id: this.options.gearScan?.newChain() ?? 0, state: 'none' };
    const start = (slab: Slab, at: number) => {
      const n = source.fill(slab.buf.subarray(at, Math.min(slab.buf.length, at + FILL_BYTES)));
      n.catch(() => undefined); // observed below
      return { at, n, ahead: this.scanAhead(slab, at, n, file, chain) };
    };
    let sourceError: unknown;
    try {
      for (;;) {
        if (!reading) {
          let slab = this.slab;
          if (!slab || this.pos - slab.base === slab.buf.length) slab = await this.nextSlab();
          reading = start(slab, this.pos - slab.base);
        }
        let n: number;
        const ahead = reading.ahead;
        try {
          n = await reading.n;
        } catch (err) {
          sourceError = err ?? new Error('source failed');
          break;
        } finally {
          reading = undefined;
        }
        if (n === 0) break;
        const slab = this.slab!;
        const next = this.pos - slab.base + n;
        if (next < slab.buf.length) reading = start(slab, next);
        const kernel = this.pool().kernel;
        const found = ahead ? await ahead : undefined;
        kernel.cover = found && 'found' in found ? found : undefined;
        this.plan = found && 'cuts' in found ? found : undefined;
        try {
          this.advance(slab, n, file);
        } finally {
          kernel.cover = undefined;
          this.plan = undefined;
        }
      }
    } finally {
      if (reading) await Promise.all([reading.n.catch(() => undefined), reading.ahead]);
      await source.close().catch(() => undefined);
    }
    if (sourceError !== undefined) {
      file.failed = true;
      file.reject(sourceError);
    }
    this.endFile(file);
  }

  /**
   * What the scan thread finds in the bytes a read places at `at` in `slab`,
   * once the read is done: the cuts of a large file's reads, in a chain from
   * its first read on (which, as a large file's, starts a chunk); else the cut
   * candidates of a large read; undefined for a small read outside a chain,
   * or if the thread fails (the scan then hashes the bytes itself). Called for
   * each read in stream order, each once the read before it is done.
   */
  private scanAhead(slab: Slab, at: number, read: Promise<number>, file: FileRecord, chain: CutChain): Promise<Ahead> | undefined {
    const thread = this.options.gearScan;
    if (!thread) return undefined;
    const kernel = this.pool().kernel;
    return read
      .then((n): Promise<Ahead> | undefined => {
        if (n === 0) return undefined;
        const bytes = slab.buf.subarray(at, at + n);
        const fresh = chain.state === 'none' && slab.base + at === file.start && n >= Math.max(SCAN_AHEAD_BYTES, this.largeFile);
        if (fresh || chain.state === 'open') {
          // A large file's first read: its chunks' hash thread boots now, beside the scan thread, not after it.
          if (fresh) this.options.hasher.warm?.();
          chain.state = 'open';
          return thread.cuts(kernel, bytes, chain.id, fresh, this.scanSizes);
        }
        chain.state = 'broken';
        return n >= SCAN_AHEAD_BYTES ? thread.candidates(kernel, bytes, at, this.candidateMask) : undefined;
      })
      .catch(() => undefined);
  }

  /** Appends `data` to the stream; undefined (nothing to wait for) when it fits the current slab. */
  private append(data: Uint8Array, file: FileRecord): Promise<void> | undefined {
    const slab = this.slab;
    const at = slab ? this.pos - slab.base : 0;
    if (!slab || at + data.length > slab.buf.length) return this.appendAcross(data, file);
    this.copier.copy(slab.buf, at, data);
    this.advance(slab, data.length, file);
    return undefined;
  }

  private async appendAcross(data: Uint8Array, file: FileRecord): Promise<void> {
    let off = 0;
    while (off < data.length) {
      let slab = this.slab;
      if (!slab || this.pos - slab.base === slab.buf.length) slab = await this.nextSlab();
      const n = Math.min(slab.buf.length - (this.pos - slab.base), data.length - off);
      this.copier.copy(slab.buf, this.pos - slab.base, data.subarray(off, off + n));
      off += n;
      this.advance(slab, n, file);
    }
  }

  /** Takes in the `n` bytes of `file` just placed at the stream's end in `slab`: hash, scan, batch. */
  private advance(slab: Slab, n: number, file: FileRecord): void {
    // Only a file under CHUNK_LIST_HASH_MIN needs the sha256 of its bytes: feed at most its first CHUNK_LIST_HASH_MIN - 1
    // (a file that grows past them is hashed from its chunks and the stream's digest is dropped).
    const fed = file.byteHash ? n : Math.min(n, CHUNK_LIST_HASH_MIN - 1 - (this.pos - file.start));
    if (fed > 0) this.ops.push({ kind: 'update', stream: file.stream, offset: this.pos - slab.base, length: fed });
    if (file.md5Stream !== undefined) this.ops.push({ kind: 'update', stream: file.md5Stream, offset: this.pos - slab.base, length: n, algo: 'md5' });
    this.pos += n;
    this.batchBytes += n;
    this.counts.bytesIn += n;
    if (file.mode === 'undecided' && this.pos - file.start >= this.largeFile) {
      file.mode = 'large';
      this.cutAt(file.start);
    }
    if (file.mode !== 'undecided') this.scanTo(this.pos);
    if (this.batchBytes >= BATCH_BYTES) this.postBatch();
  }

  /** Ends `file` at the stream's end; `more`: the running operation has more files to write after it. */
  private endFile(file: FileRecord, more = false): void {
    if (file.mode === 'undecided') file.mode = 'small';
    this.scanTo(this.pos);
    file.end = this.pos;
    if (file.end === file.start) {
      this.files.pop();
      if (!file.failed) {
        this.counts.files++;
        file.resolve({ content: { size: 0, hash: EMPTY_HASH, refs: [] }, sha256: file.byteHash ? EMPTY_HASH : '', md5: file.md5Stream !== undefined ? EMPTY_MD5 : '' }, file.index);
      }
      // Earlier small files wait for their last chunk to be cut by the data after them: if nothing
      // is queued after this empty file, that data is not coming, so cut now (as a non-empty file does),
      // and hash what waits: a file before it in the same writeFiles (a large one, cut at its own end)
      // left its digest for the batch's last end to post, and this is it.
      if (!more && this.waiting === 0) {
        if (this.pos > this.chunkStart) this.cutAt(this.pos);
        this.postBatch();
      }
      return;
    }
    const last = !more && this.waiting === 0;
    if (file.mode === 'large' || last) this.cutAt(this.pos);
    this.ops.push({ kind: 'digest', stream: file.stream });
    if (file.md5Stream !== undefined) this.ops.push({ kind: 'digest', stream: file.md5Stream, algo: 'md5' });
    this.items.push({ file });
    if (last || this.batchBytes >= BATCH_BYTES) this.postBatch();
  }

  /** Forces a cut at `at` (== this.scanned): the open chunk, if any, ends there. */
  private cutAt(at: number): void {
    if (at > this.chunkStart) this.emit(this.chunkStart, at);
    this.chunkStart = at;
    this.scanner.reset();
  }

  private scanTo(to: number): void {
    const slab = this.slab;
    if (slab && this.plan && this.follow(slab, this.plan, to)) return;
    while (slab && this.scanned < to) {
      const cut = this.scanner.scan(slab.buf, this.scanned - slab.base, to - slab.base);
      if (cut < 0) {
        this.scanned = to;
        return;
      }
      const end = slab.base + cut;
      this.emit(this.chunkStart, end);
      this.chunkStart = this.scanned = end;
    }
  }

  /**
   * Takes the cuts the scan thread found in [scanned, to), if it found them
   * for exactly these bytes from the scanner's own state (they then are the
   * scanner's cuts); false, with nothing done, if not.
   */
  private follow(slab: Slab, plan: GearCuts, to: number): boolean {
    const address = slab.buf.byteOffset - slab.base; // of stream position 0, in this slab's memory
    const state = this.scanner.state;
    const same =
      plan.from === address + this.scanned && plan.to === address + to && this.scanned - this.chunkStart === state.length &&
      plan.start.length === state.length && plan.start.hash === state.hash;
    if (!same) return false;
    for (const cut of plan.cuts) {
      const end = cut - address;
      this.emit(this.chunkStart, end);
      this.chunkStart = end;
    }
    this.scanned = to;
    this.scanner.resume(plan.end);
    return true;
  }

  private emit(start: number, end: number): void {
    this.ops.push({ kind: 'chunk', offset: start - this.slab!.base, length: end - start });
    this.items.push({ start, end });
  }

  /** Sends the pending operations to the hasher and queues the commit of their results. */
  private postBatch(): void {
    if (this.ops.length === 0) return;
    const slab = this.slab!;
    const pool = this.slabs!;
    const items = this.items;
    const results = this.options.hasher.run(slab.buf, this.ops);
    results.catch(() => undefined); // observed by the commit below
    this.ops = [];
    this.items = [];
    this.batchBytes = 0;
    slab.batches++;
    this.commits = this.commits.then(async () => {
      try {
        if (this.failure === undefined) await this.commit(slab, items, await results);
      } catch (err) {
        this.fail(err);
      } finally {
        slab.batches--;
        pool.releaseIfIdle(slab);
      }
    });
  }

  private async commit(slab: Slab, items: Item[], results: string[]): Promise<void> {
    let k = 0;
    // Indexed: an iterator's result per item (this async loop is not optimized away) was per tiny file.
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      if (item.file) {
        item.file.hash = results[k++]; // a large file's is replaced by its chunk-list hash (resolveReady)
        if (item.file.md5Stream !== undefined) item.file.md5 = results[k++];
        continue; // resolved after the next chunk or at the end of the batch: not one call per file
      }
      const bytes = slab.buf.subarray(item.start - slab.base, item.end - slab.base);
      const ref = await this.place(results[k++]!, bytes, slab);
      this.attach(ref, item.start, item.end);
      this.committed = item.end;
      await this.resolveReady();
    }
    await this.resolveReady();
    this.packs.sendLent(); // the slab comes back only once its chunks are written
  }

  /** The stored location of a chunk (`bytes`, in `slab`): an existing one (dedup) or a new entry in the open pack, written from the slab. */
  private async place(hash: string, bytes: Uint8Array, slab: Slab): Promise<ChunkRef> {
    if (this.options.hashOnly) return { hash, pack: '', offset: 0, size: bytes.length };
    const known = this.pendingChunks.get(hash) ?? (await this.options.index.lookup('chunk', hash));
    if (known) {
      this.counts.chunksDeduped++;
      return known;
    }
    const pool = this.slabs!;
    const back = () => {
      slab.lent--;
      pool.releaseIfIdle(slab);
    };
    slab.lent++;
    let ref: ChunkRef;
    try {
      ref = this.packs.add('chunk', hash, bytes, hash, back);
    } catch (err) {
      back(); // not taken
      throw err;
    }
    this.pendingChunks.set(hash, ref);
    this.counts.chunksNew++;
    this.counts.bytesNew += bytes.length;
    await this.packs.backpressure();
    return ref;
  }

  /** Adds a slice of the chunk at stream range [start, end) to every file that overlaps it. */
  private attach(chunk: ChunkRef, start: number, end: number): void {
    for (let i = this.filesHead; i < this.files.length; i++) {
      const f = this.files[i]!;
      if (f.start >= end) break;
      const from = Math.max(f.start, start);
      const to = f.end < 0 ? end : Math.min(f.end, end);
      if (to > from && !f.failed) {
        const slice: DataRef = { chunk, start: from - start, length: to - from };
        if (f.refs) f.refs.push(slice);
        else f.refs = [slice];
      }
    }
  }

  /** Resolves, in order, the files whose bytes are all committed and whose hash is known. */
  private async resolveReady(): Promise<void> {
    for (;;) {
      const f = this.files[this.filesHead];
      if (!f || f.end < 0 || f.hash === undefined || this.committed < f.end) break;
      this.filesHead++;
      if (this.filesHead > 1024 && this.filesHead * 2 > this.files.length) {
        this.files = this.files.slice(this.filesHead);
        this.filesHead = 0;
      }
      if (f.failed) continue;
      const size = f.end - f.start;
      const refs = f.refs ?? [];
      const hash = isByteHash(size) ? f.hash : largeFileHash(size, refs);
      // Made with all its fields at once: no property added after (a million tiny files keep theirs until their fold).
      let content: FileContent;
      if (this.options.hashOnly) content = { size, hash };
      else if (refs.length <= INLINE_REFS) content = { size, hash, refs };
      else content = { size, hash, indirect: await this.storeRefLists(refs) };
      this.counts.files++;
      f.resolve({ content, sha256: f.byteHash ? f.hash : '', md5: f.md5 ?? '' }, f.index);
    }
  }

  private async storeRefLists(refs: DataRef[]): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < refs.length; i += REFS_PER_BLOB) {
      const bytes = encodeRefs(refs.slice(i, i + REFS_PER_BLOB));
      const id = createHash('sha256').update(bytes).digest('hex');
      ids.push(id);
      if (this.pendingBlobs.has(id) || (await this.options.index.has('blob', id))) continue;
      this.packs.add('blob', id, bytes, id);
      this.pendingBlobs.add(id);
      this.counts.blobsNew++;
      this.counts.bytesNew += bytes.length;
      await this.packs.backpressure();
    }
    return ids;
  }

  private async drain(): Promise<void> {
    if (this.slab) this.cutAt(this.pos);
    this.postBatch();
    await this.commits;
    if (this.failure !== undefined) throw this.failure;
    await this.packs.flush();
    // Idle now: every batch is committed and the open chunk was cut, so nothing is carried to a next slab.
    if (this.slabs) {
      const pool = this.slabs;
      this.slabs = undefined;
      this.slab = undefined;
      this.pools.give(pool);
    }
  }

  private pool(): SlabPool {
    return (this.slabs ??= this.pools.take());
  }

  private async durable(packId: string, entries: PackEntry[]): Promise<void> {
    await this.options.index.addPack(packId, entries);
    for (const { kind, key, ref } of entries) {
      if (kind === 'blob') this.pendingBlobs.delete(key);
      else if (this.pendingChunks.get(key) === ref) this.pendingChunks.delete(key);
    }
  }

  /** Moves to a fresh slab, carrying the unfinished chunk (and any undecided file bytes) over. */
  private async nextSlab(): Promise<Slab> {
    this.postBatch();
    const old = this.slab;
    const next = await this.pool().take();
    if (old) {
      next.buf.set(old.buf.subarray(this.chunkStart - old.base, this.pos - old.base), 0);
      next.base = this.chunkStart;
      old.current = false;
      this.pool().releaseIfIdle(old);
    } else next.base = this.pos;
    this.slab = next;
    return next;
  }

  private fail(err: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = err;
    for (let i = this.filesHead; i < this.files.length; i++) this.files[i]!.reject(err);
    this.files = [];
    this.filesHead = 0;
    this.slabs?.abort(err);
    void this.packs.abort();
  }
}

/** A file's record before its write starts, with every field it will have (none added later). */
function newRecord(byteHash: boolean, md5Stream: number | undefined, index: number, resolve: FileRecord['resolve'], reject: FileRecord['reject']): FileRecord {
  return { start: 0, end: -1, stream: 0, mode: 'undecided', byteHash, hash: undefined, md5Stream, md5: undefined, refs: undefined, failed: false, index, resolve, reject };
}

/** The content hash of a file of `size` bytes (at least CHUNK_LIST_HASH_MIN) from its data references: whole chunks, as it was cut on its own. */
function largeFileHash(size: number, refs: readonly DataRef[]): string {
  for (const r of refs) {
    if (r.start !== 0 || r.length !== r.chunk.size) throw new Error('a large file must be made of whole chunks of its own');
  }
  return chunkListHash(size, refs.map((r) => r.chunk.hash));
}
