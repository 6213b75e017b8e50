// sha256 hashing for the write path, on this thread or on a worker thread
// (and, for an S3 part's or object's ETag, the MD5 of a file's bytes).
// Writing hashes every byte once for its chunk's sha256 (and a file under
// 1 MiB once more for its content hash, storage/content.ts) besides the chunk
// scan; one core cannot do both at the speed of a disk copy, so `WorkerHasher`
// moves the hashing to worker threads (a long running hash, an S3 part's
// sha256, to a second one) that read the bytes from shared memory (no copies).
//
// A batch is a list of operations over one buffer, run in order; results come
// back in order, one per `chunk` or `digest` operation. Batches also run in
// the order they were submitted, so a file's hash can be fed across batches.
import { createHash, hash as oneShotHash, type Hash } from 'node:crypto';
import { WorkerThread } from './worker-thread.js';

/** A stream's algorithm: sha256 unless the operations on it say md5 (the same on every one). */
export type StreamAlgo = 'sha256' | 'md5';

export type HashOp =
  /** sha256 of buf[offset, offset + length) → one hex result. */
  | { kind: 'chunk'; offset: number; length: number }
  /** Feeds buf[offset, offset + length) into the running hash `stream`. */
  | { kind: 'update'; stream: number; offset: number; length: number; algo?: StreamAlgo }
  /** Finishes `stream` → one hex result (the empty-input hash if it was never fed). */
  | { kind: 'digest'; stream: number; algo?: StreamAlgo };

/** Bytes [offset, offset + length) of a buffer. */
export interface Span {
  offset: number;
  length: number;
}

export interface Hasher {
  /** A new stream number for update/digest operations. */
  newStream(): number;
  /**
   * Runs `ops` over `buf`; the bytes must not change until the promise resolves.
   * `buf` must live in a SharedArrayBuffer (the worker hasher reads it in place).
   */
  run(buf: Uint8Array, ops: readonly HashOp[]): Promise<string[]>;
  /**
   * The sha256 of each span of `buf` (a read's verification), in order: as
   * run() with `chunk` operations, but free to use every thread at once.
   */
  verify(buf: Uint8Array, spans: readonly Span[]): Promise<string[]>;
  /** Starts, in the background, what `run` will hash a large write's chunks on (a thread's boot), if anything. */
  warm?(): void;
  close(): Promise<void>;
}

const CHUNK = 0;
const UPDATE = 1;
const DIGEST = 2;

const SHA256 = 0;
const MD5 = 1;

/** Operations as numbers, five per op: [kind, offset, length, stream, algorithm (0 sha256, 1 md5)]. */
function encodeOps(ops: readonly HashOp[]): Float64Array {
  const out = new Float64Array(ops.length * 5); // zeros
  // Written field by field: no array per op (two per small file written).
  for (let i = 0, at = 0; i < ops.length; i++, at += 5) {
    const op = ops[i]!;
    if (op.kind === 'chunk') {
      out[at] = CHUNK;
      out[at + 1] = op.offset;
      out[at + 2] = op.length;
      out[at + 4] = SHA256;
    } else {
      out[at] = op.kind === 'update' ? UPDATE : DIGEST;
      if (op.kind === 'update') {
        out[at + 1] = op.offset;
        out[at + 2] = op.length;
      }
      out[at + 3] = op.stream;
      out[at + 4] = op.algo === 'md5' ? MD5 : SHA256;
    }
  }
  return out;
}

function chunkOps(spans: readonly Span[]): HashOp[] {
  return spans.map(({ offset, length }) => ({ kind: 'chunk', offset, length }));
}

type OneShot = (algo: string, data: Uint8Array, encoding: 'hex') => string;

/**
 * The operation loop, shared by both hashers (the worker runs its source
 * text). A stream fed once and finished at once (a small file) is hashed in
 * one call, like a chunk: cheaper than a Hash object.
 */
function runOps(buf: Uint8Array, ops: Float64Array, streams: Map<number, Hash>, hash: (algo: string) => Hash, oneShot: OneShot): string[] {
  const out: string[] = [];
  for (let i = 0; i < ops.length; i += 5) {
    const kind = ops[i];
    const offset = ops[i + 1]!;
    const length = ops[i + 2]!;
    const stream = ops[i + 3]!;
    const algo = ops[i + 4] === 1 ? 'md5' : 'sha256';
    if (kind === 0) out.push(oneShot('sha256', buf.subarray(offset, offset + length), 'hex'));
    else if (kind === 1 && ops[i + 5] === 2 && ops[i + 8] === stream && !streams.has(stream)) {
      out.push(oneShot(algo, buf.subarray(offset, offset + length), 'hex'));
      i += 5;
    } else if (kind === 1) {
      let h = streams.get(stream);
      if (!h) streams.set(stream, (h = hash(algo)));
      h.update(buf.subarray(offset, offset + length));
    } else {
      const h = streams.get(stream) ?? hash(algo);
      streams.delete(stream);
      out.push(h.digest('hex'));
    }
  }
  return out;
}

/** Hashes on the calling thread. */
export class InlineHasher implements Hasher {
  private readonly streams = new Map<number, Hash>();
  private nextStream = 1;

  newStream(): number {
    return this.nextStream++;
  }

  async run(buf: Uint8Array, ops: readonly HashOp[]): Promise<string[]> {
    return runOps(buf, encodeOps(ops), this.streams, createHash, oneShotHash as OneShot);
  }

  verify(buf: Uint8Array, spans: readonly Span[]): Promise<string[]> {
    return this.run(buf, chunkOps(spans));
  }

  async close(): Promise<void> {}
}

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash, hash } = require('node:crypto');
const runOps = ${runOps.toString()};
const streams = new Map();
parentPort.on('message', (m) => {
  try {
    const buf = m.sab ? new Uint8Array(m.sab, m.byteOffset, m.byteLength) : new Uint8Array(0);
    const out = runOps(buf, m.ops, streams, createHash, hash);
    parentPort.postMessage({ out });
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) });
  }
});
`;

/** Batches at most this large that need no hash state from earlier batches run inline: a thread round trip costs more. */
const INLINE_BYTES = 64 * 1024;

/** Verifications of at least this many bytes are split between both threads (WorkerHasher.verify). */
const SPREAD_BYTES = 2 * 1024 * 1024;

/** A file whose first batch feeds its hash this many bytes or more has its hash on a thread of its own. */
const LARGE_FILE_BYTES = 1024 * 1024;

/**
 * Hashes on worker threads, reading buffers in shared memory. The `chunk`
 * operations (each chunk's sha256) run on one thread; a large read's
 * verification on both, while no file hash is on the second (see verify).
 * A large file's running hash (`update`/`digest`) runs on a second thread,
 * so the two passes over its bytes use both cores at once and verification
 * never waits behind it; small files' hashes stay with the chunks (the second
 * thread, ~10 MB, starts only for a large file). Small self-contained batches
 * (every file hash they feed also finishes in them, like a small file
 * written on its own) are hashed inline instead, since a round trip to a
 * thread costs more than hashing a few KiB.
 */
export class WorkerHasher implements Hasher {
  private readonly chunks = new HashThread();
  private readonly files = new HashThread();
  private nextStream = 1;
  /** Streams with hash state on a thread, and which one. */
  private readonly remote = new Map<number, HashThread>();
  /** selfContained's list of open streams (see there). */
  private readonly openStreams: number[] = [];
  private readonly local = new Map<number, Hash>();

  newStream(): number {
    return this.nextStream++;
  }

  run(buf: Uint8Array, ops: readonly HashOp[]): Promise<string[]> {
    const failure = this.chunks.failure ?? this.files.failure;
    if (failure) return Promise.reject(failure);
    if (!(buf.buffer instanceof SharedArrayBuffer)) return Promise.reject(new TypeError('WorkerHasher needs a buffer in a SharedArrayBuffer'));
    if (this.selfContained(ops)) return Promise.resolve(runOps(buf, encodeOps(ops), this.local, createHash, oneShotHash as OneShot));
    // Streams new to the threads go where their bytes in this batch say (see LARGE_FILE_BYTES).
    const fed = new Map<number, number>();
    for (const op of ops) if (op.kind === 'update' && !this.remote.has(op.stream)) fed.set(op.stream, (fed.get(op.stream) ?? 0) + op.length);
    for (const [stream, bytes] of fed) this.remote.set(stream, bytes >= LARGE_FILE_BYTES ? this.files : this.chunks);
    const threadOf = (op: HashOp): HashThread => (op.kind === 'chunk' ? this.chunks : (this.remote.get(op.stream) ?? this.chunks));
    const threads = ops.map(threadOf);
    for (const op of ops) if (op.kind === 'digest') this.remote.delete(op.stream);
    const none = Promise.resolve<string[]>([]);
    const onFiles = ops.filter((_, i) => threads[i] === this.files);
    const onChunks = ops.filter((_, i) => threads[i] === this.chunks);
    const fromChunks = onChunks.length > 0 ? this.chunks.run(buf, encodeOps(onChunks)) : none;
    const fromFiles = onFiles.length > 0 ? this.files.run(buf, encodeOps(onFiles)) : none;
    return Promise.all([fromChunks, fromFiles]).then(([c, f]) => {
      // Back in the order of `ops`: one result per chunk and per digest.
      const out: string[] = [];
      let ci = 0;
      let fi = 0;
      ops.forEach((op, i) => {
        if (op.kind !== 'update') out.push(threads[i] === this.files ? f[fi++]! : c[ci++]!);
      });
      return out;
    });
  }

  /**
   * A read's verification. While no file hash is on a thread (no put of a
   * large file under way), a large batch is split by bytes between both
   * threads: a get's group is verified in half the time, and one core busy
   * with something else does not hold the writer back (see file-reader.ts).
   */
  verify(buf: Uint8Array, spans: readonly Span[]): Promise<string[]> {
    const bytes = spans.reduce((sum, span) => sum + span.length, 0);
    // A thread not yet up would hold its half back by its start (tens of ms): it is started, and used once up.
    if (bytes < SPREAD_BYTES || spans.length < 2 || this.remote.size > 0 || !this.files.online()) return this.run(buf, chunkOps(spans));
    if (this.chunks.failure ?? this.files.failure) return Promise.reject(this.chunks.failure ?? this.files.failure);
    if (!(buf.buffer instanceof SharedArrayBuffer)) return Promise.reject(new TypeError('WorkerHasher needs a buffer in a SharedArrayBuffer'));
    let cut = 0; // spans before it go to the first thread: those whose middle lies in the first half of the bytes
    for (let before = 0; cut < spans.length - 1 && before + spans[cut]!.length / 2 < bytes / 2; cut++) before += spans[cut]!.length;
    cut = Math.max(1, cut);
    const first = this.chunks.run(buf, encodeOps(chunkOps(spans.slice(0, cut))));
    const second = this.files.run(buf, encodeOps(chunkOps(spans.slice(cut))));
    return Promise.all([first, second]).then(([a, b]) => [...a, ...b]);
  }

  /** Starts the chunks' thread (a large file's running hash of its first bytes goes there too: under LARGE_FILE_BYTES). */
  warm(): void {
    this.chunks.online();
  }

  private selfContained(ops: readonly HashOp[]): boolean {
    let bytes = 0;
    // Streams fed and not yet finished, in open[0, n): a write session feeds one file (and its MD5) at a
    // time, so a short list, kept between calls: no allocation per tiny file of a put -r (a Set's tables
    // were reallocated as it grew and shrank by one stream per file).
    const open = this.openStreams;
    let n = 0;
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      if (op.kind === 'digest') {
        if (this.remote.has(op.stream)) return false;
        for (let j = 0; j < n; j++) {
          if (open[j] === op.stream) {
            open[j] = open[--n]!;
            break;
          }
        }
        continue;
      }
      bytes += op.length;
      if (bytes > INLINE_BYTES) return false;
      if (op.kind === 'update') {
        if (this.remote.has(op.stream)) return false;
        let j = 0;
        while (j < n && open[j] !== op.stream) j++;
        if (j === n) open[n++] = op.stream;
      }
    }
    return n === 0;
  }

  async close(): Promise<void> {
    await Promise.all([this.chunks.close(), this.files.close()]);
  }
}

/** A hash worker thread (worker-thread.ts): batches answered in the order they were posted. */
class HashThread extends WorkerThread {
  constructor() {
    super('hash worker', WORKER_SOURCE);
  }

  run(buf: Uint8Array, ops: Float64Array): Promise<string[]> {
    return this.call<string[]>({ sab: buf.buffer, byteOffset: buf.byteOffset, byteLength: buf.byteLength, ops });
  }
}
