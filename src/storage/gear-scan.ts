// The chunk scan's hashing, ahead of the write session, on a worker thread.
// A write session's main thread hashes every byte for the gear scan (about a
// quarter of its work on a large put) besides copying chunks into packs; this
// thread finds, in a region just read into a slab, every byte where a cut
// could fall (its gear hash has no bit of the loosest mask set: about one byte
// in 16,384), so the session's scan only picks the real cuts among them in
// order (GearKernel.cover). The cuts are exactly the same: the hash after a
// byte depends only on the 32 bytes up to it (see gear-kernel.ts).
//
// The thread runs the kernel's own WebAssembly over the kernel's shared
// memory (no copies); it is started on first use and unref'd while idle.
import { Worker } from 'node:worker_threads';
import { GEAR_HEAD, GEAR_KERNEL_WASM, type GearCandidates, type GearKernel } from './gear-kernel.js';

type Scan = (i: number, avgStop: number, maxStop: number, h: number, maskSmall: number, maskLarge: number) => number;

/**
 * The candidates of memory [from, to) with the kernel's scan function: the
 * hash runs from `from` (so it is exact from from + GEAR_HEAD on). Plain code
 * with no outside names: the worker runs its source text.
 */
export function collectCandidates(scan: Scan, hashNow: () => number, from: number, to: number, mask: number, head: number): GearCandidates {
  const validFrom = Math.min(from + head, to);
  let found = new Int32Array(64);
  let n = 0;
  let at = from;
  let h = 0;
  while (at < to) {
    const cut = scan(at, at, to, h, mask, mask);
    if (cut < 0) break;
    h = hashNow();
    if (cut - 1 >= validFrom) {
      if (n + 2 > found.length) {
        const grown = new Int32Array(found.length * 2);
        grown.set(found);
        found = grown;
      }
      found[n++] = cut - 1;
      found[n++] = h;
    }
    at = cut;
  }
  return { validFrom, to, mask, found: found.slice(0, n) };
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const code = new WebAssembly.Module(workerData.wasm);
const collectCandidates = ${collectCandidates.toString()};
let kernel;
parentPort.on('message', (m) => {
  try {
    if (m.memory) kernel = new WebAssembly.Instance(code, { env: { mem: m.memory } }).exports;
    const out = collectCandidates(kernel.scan, () => kernel.h.value, m.from, m.to, m.mask, m.head);
    parentPort.postMessage({ out }, [out.found.buffer]);
  } catch (err) {
    parentPort.postMessage({ error: String((err && err.message) || err) });
  }
});
`;

interface Pending {
  resolve(out: GearCandidates): void;
  reject(err: Error): void;
}

/** One worker thread finding gear cut candidates, jobs answered in the order posted. */
export class GearScanThread {
  private worker?: Worker;
  private failure?: Error;
  private readonly pending: Pending[] = [];
  /** The kernel whose memory the worker holds now (it is sent again when another kernel's region comes). */
  private holds?: WeakRef<GearKernel>;

  /** The candidates (for `mask`) of `bytes`, a view of `kernel`'s memory, whose hash runs from `lookback` bytes before it (at most GEAR_HEAD, within the same memory). */
  candidates(kernel: GearKernel, bytes: Uint8Array, lookback: number, mask: number): Promise<GearCandidates> {
    if (this.failure) return Promise.reject(this.failure);
    if (bytes.buffer !== kernel.buffer) return Promise.reject(new TypeError('the bytes are not in the kernel memory'));
    const worker = this.start();
    const memory = this.holds?.deref() === kernel ? undefined : kernel.memory;
    this.holds = new WeakRef(kernel);
    const from = bytes.byteOffset - Math.min(lookback, GEAR_HEAD);
    return new Promise<GearCandidates>((resolve, reject) => {
      this.pending.push({ resolve, reject });
      if (this.pending.length === 1) worker.ref();
      worker.postMessage({ memory, from, to: bytes.byteOffset + bytes.length, mask, head: GEAR_HEAD });
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.holds = undefined;
    if (worker) await worker.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { wasm: GEAR_KERNEL_WASM } });
    worker.unref();
    worker.on('message', (m: { out?: GearCandidates; error?: string }) => {
      const p = this.pending.shift();
      if (this.pending.length === 0) worker.unref();
      if (!p) return;
      if (m.error !== undefined) p.reject(new Error(`gear scan worker: ${m.error}`));
      else p.resolve(m.out!);
    });
    const fail = (err: Error) => {
      this.failure = err;
      this.worker = undefined;
      this.holds = undefined;
      for (const p of this.pending.splice(0)) p.reject(err);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      // A thread gone without an error is never posted to again (a later job starts a new one).
      if (this.worker === worker) {
        this.worker = undefined;
        this.holds = undefined;
      }
      if (this.pending.length > 0) fail(new Error(`gear scan worker exited with code ${code}`));
    });
    this.worker = worker;
    return worker;
  }
}
