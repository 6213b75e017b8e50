// The memory a write session streams through: a fixed number of equal slabs
// carved out of one shared WebAssembly memory (so the gear kernel scans them
// and a hash worker reads them in place). A slab is handed out, filled, and
// comes back once it is no longer the one being filled, every hash batch
// over it has been committed and every pack write reading chunks straight
// from it is done; a writer that runs ahead of hashing waits here.
//
// Pools are kept for reuse (SlabPools) by the sessions of one content store:
// a session hands its pool back once it is idle after a flush, and the next
// session (an S3 part, a PutObject) takes it instead of allocating 16 MiB of
// fresh shared memory, whose first touch and later collection (a full GC each
// time the external memory grows) cost more than hashing a small write.
import { GearKernel } from './gear-kernel.js';

export interface Slab {
  buf: Uint8Array;
  /** Stream position of buf[0]. */
  base: number;
  /** Hash batches over this slab not yet committed. */
  batches: number;
  /** Chunks in it lent to a pack writer, not yet written (PackWriter.add's `lent`). */
  lent: number;
  /** True while the session is appending into it. */
  current: boolean;
}

export class SlabPool {
  readonly kernel: GearKernel;
  private readonly free: Slab[] = [];
  private created = 0;
  private waiters: (() => void)[] = [];
  private failure: { error: unknown } | undefined;

  constructor(private readonly slabSize: number, private readonly maxSlabs: number) {
    this.kernel = new GearKernel(slabSize * maxSlabs);
  }

  /** A slab to fill (marked current); waits while all are in use. Throws the error given to abort(). */
  async take(): Promise<Slab> {
    for (;;) {
      if (this.failure) throw this.failure.error;
      const slab = this.free.pop();
      if (slab) {
        slab.current = true;
        return slab;
      }
      if (this.created < this.maxSlabs) {
        const buf = this.kernel.view(this.created++ * this.slabSize, this.slabSize);
        return { buf, base: 0, batches: 0, lent: 0, current: true };
      }
      await new Promise<void>((wake) => this.waiters.push(wake));
    }
  }

  /** Returns the slab to the pool if nothing uses it any more. */
  releaseIfIdle(slab: Slab): void {
    if (slab.current || slab.batches > 0 || slab.lent > 0) return;
    this.free.push(slab);
    this.waiters.shift()?.();
  }

  /** Makes every slab free again (call only when no hash batch or lent chunk is pending on any); false if the pool failed or has waiters. */
  reset(): boolean {
    if (this.failure || this.waiters.length > 0) return false;
    this.free.length = 0;
    for (let i = 0; i < this.created; i++) this.free.push({ buf: this.kernel.view(i * this.slabSize, this.slabSize), base: 0, batches: 0, lent: 0, current: false });
    return true;
  }

  /** Fails every waiting and future take() with `error`. */
  abort(error: unknown): void {
    this.failure ??= { error };
    for (const wake of this.waiters.splice(0)) wake();
  }
}

/** Idle slab pools of one size, kept for the next write session (at most `keep`). */
export class SlabPools {
  private readonly idle: SlabPool[] = [];

  constructor(readonly slabSize: number, readonly maxSlabs: number, private readonly keep = 2) {}

  take(): SlabPool {
    return this.idle.pop() ?? new SlabPool(this.slabSize, this.maxSlabs);
  }

  /** Takes back the pool of a session that is idle (no hash batch pending on it). */
  give(pool: SlabPool): void {
    if (this.idle.length >= this.keep || !pool.reset()) return;
    this.idle.push(pool);
  }
}
