// Reused read buffers for streaming a file out (FileReader.readReusing): equal
// buffers in shared memory, so the hash worker can verify what was read into
// them in place. Fresh memory is expensive where it matters here: every page
// faults on first touch, and a large buffer allocated per ranged read (8 MiB,
// dozens per GiB) keeps the garbage collector busy; a buffer read into many
// times costs neither.
//
// The pool only hands out and takes back. Whoever takes a buffer gives it
// back once nothing reads into it, hashes it or uses bytes of it any more:
// the pool cannot tell, and a buffer given back too early is handed out again
// while its bytes are still wanted.
//
// A pool with an alignment hands out page-aligned memory (aligned-memory.ts),
// and readers lay out what they read so that a piece of output lies at the
// same offset modulo `align` in its buffer as in the output file: then a
// direct-I/O writer can write it from there, without a copy.
import { alignedBytes } from './aligned-memory.js';

export class ReadBufferPool {
  private readonly free: Uint8Array[] = [];

  /**
   * Buffers of `size` bytes; at most `keep` idle ones are kept for reuse, the
   * rest left to the collector. `align` > 1 (a power of two up to 64 KiB):
   * page-aligned buffers, and readers align what they read to it.
   */
  constructor(readonly size: number, private readonly keep: number, readonly align = 1) {}

  /** A buffer of `size` bytes (a reused one if any is idle) in shared memory, for the caller alone until give(). */
  take(): Uint8Array {
    return this.free.pop() ?? (this.align > 1 ? alignedBytes(this.size) : new Uint8Array(new SharedArrayBuffer(this.size)));
  }

  /** Takes back a buffer from take() that nothing uses any more. */
  give(buf: Uint8Array): void {
    if (buf.length !== this.size || this.free.length >= this.keep || this.free.includes(buf)) return;
    this.free.push(buf);
  }

  /** Idle buffers kept (for tests and metrics). */
  get idle(): number {
    return this.free.length;
  }
}
