// The chunk scan's hashing, ahead of the write session, on a worker thread.
// A write session's main thread would hash every byte for the gear scan
// besides copying chunks into packs; this thread does it for the large reads
// of a local file, just after each lands in a slab, in one of two ways:
//
// - Cuts (`cuts`): the real sequential FastCDC scan of a large file's reads,
//   one after another from its start (a large file always begins a chunk), the
//   scan state carried over from read to read in the thread: bytes closer than
//   the minimum to a chunk's start are skipped, and the session only takes the
//   cuts. The cuts are a function of the state at the read's start and its
//   bytes alone, so the session uses them only if that state is its own.
// - Candidates (`candidates`): every byte of a region where a cut could fall
//   (its gear hash has no bit of the loosest mask set: about one byte in
//   16,384); the session's scan picks the real cuts among them in order
//   (GearKernel.cover). Used for a large read when the cuts' chain could not
//   begin at the file's start. Exact because the hash after a byte depends only
//   on the 32 bytes up to it (see gear-kernel.ts).
//
// The thread runs the kernel's own WebAssembly over the kernel's shared
// memory (no copies); it is started on first use and unref'd while idle.
import { scanMasks, type ChunkParams, type ScanState } from './chunker.js';
import { GEAR_HEAD, GEAR_KERNEL_WASM, type GearCandidates, type GearKernel } from './gear-kernel.js';
import { WorkerThread } from './worker-thread.js';

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

/** The cuts of a region of a kernel's memory by the sequential scan, from the scan state at its start. Addresses as in GearCandidates. */
export interface GearCuts {
  from: number;
  to: number;
  /** The state the scan began from at `from`. */
  start: ScanState;
  /** The address just past the last byte of each chunk that ends in the region, in order. */
  cuts: Int32Array;
  /** The state after the region's last byte. */
  end: ScanState;
}

/**
 * ChunkScanner.scan over memory [from, to), repeated after each cut, from
 * (length, hash); `sizes` is scanSizes(params). Plain code
 * with no outside names: the worker runs its source text.
 */
export function sequentialCuts(scan: Scan, hashNow: () => number, from: number, to: number, state: ScanState, sizes: number[]): GearCuts {
  const [min, avg, max, maskSmall, maskLarge] = sizes as [number, number, number, number, number];
  let { length, hash } = state;
  let cuts = new Int32Array(64);
  let n = 0;
  let at = from;
  while (at < to) {
    const cs = at - length; // where the current chunk began
    let i = at;
    let h = hash;
    const minPos = cs + min;
    if (i < minPos) {
      if (to <= minPos) {
        length += to - at;
        break;
      }
      i = minPos;
      h = 0;
    }
    const maxPos = cs + max;
    const maxStop = Math.min(maxPos, to);
    let cut = scan(i, Math.min(cs + avg, to), maxStop, h, maskSmall, maskLarge);
    if (cut < 0 && maxStop === maxPos) cut = maxPos;
    if (cut < 0) {
      hash = hashNow();
      length = to - cs;
      break;
    }
    if (n === cuts.length) {
      const grown = new Int32Array(cuts.length * 2);
      grown.set(cuts);
      cuts = grown;
    }
    cuts[n++] = cut;
    length = 0;
    hash = 0;
    at = cut;
  }
  return { from, to, start: state, cuts: cuts.slice(0, n), end: { length, hash } };
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const code = new WebAssembly.Module(workerData.wasm);
const collectCandidates = ${collectCandidates.toString()};
const sequentialCuts = ${sequentialCuts.toString()};
let kernel;
// The scan state after the last region of each recent cut chain (a few sessions may read large files at once).
const chains = new Map();
parentPort.on('message', (m) => {
  try {
    if (m.memory) kernel = new WebAssembly.Instance(code, { env: { mem: m.memory } }).exports;
    if (m.sizes) {
      const from = m.fresh ? { length: 0, hash: 0 } : chains.get(m.chain);
      chains.delete(m.chain);
      if (!from) throw new Error('no scan state for this chain');
      const out = sequentialCuts(kernel.scan, () => kernel.h.value, m.from, m.to, from, m.sizes);
      chains.set(m.chain, out.end);
      if (chains.size > 16) chains.delete(chains.keys().next().value);
      parentPort.postMessage({ out }, [out.cuts.buffer]);
      return;
    }
    const out = collectCandidates(kernel.scan, () => kernel.h.value, m.from, m.to, m.mask, m.head);
    parentPort.postMessage({ out }, [out.found.buffer]);
  } catch (err) {
    parentPort.postMessage({ error: String((err && err.message) || err) });
  }
});
`;

/** Chunk sizes and masks in the form the thread takes them: [min, avg, max, maskSmall, maskLarge]. */
export function scanSizes(params: ChunkParams): number[] {
  const masks = scanMasks(params);
  return [params.minSize, params.avgSize, params.maxSize, masks.small, masks.large];
}

/** One worker thread finding gear cuts and cut candidates, jobs answered in the order posted. */
export class GearScanThread {
  /** The kernel whose memory the worker holds now (it is sent again when another kernel's region comes, or to a new worker). */
  private holds?: WeakRef<GearKernel>;
  private readonly thread = new WorkerThread('gear scan worker', WORKER_SOURCE, { wasm: GEAR_KERNEL_WASM }, () => (this.holds = undefined));
  private lastChain = 0;

  /** The candidates (for `mask`) of `bytes`, a view of `kernel`'s memory, whose hash runs from `lookback` bytes before it (at most GEAR_HEAD, within the same memory). */
  candidates(kernel: GearKernel, bytes: Uint8Array, lookback: number, mask: number): Promise<GearCandidates> {
    return this.post(kernel, bytes, (memory, to) => ({ memory, from: bytes.byteOffset - Math.min(lookback, GEAR_HEAD), to, mask, head: GEAR_HEAD }));
  }

  /** A new id for a chain of regions to find the cuts of (`cuts`). */
  newChain(): number {
    return ++this.lastChain;
  }

  /**
   * The cuts of `bytes`, a view of `kernel`'s memory, by the sequential scan
   * with `params`: from a chunk's start if `fresh`, else from where the
   * previous region of the same `chain` left the scan (the regions of a chain
   * must be asked for in stream order, each right after the one before).
   */
  cuts(kernel: GearKernel, bytes: Uint8Array, chain: number, fresh: boolean, sizes: number[]): Promise<GearCuts> {
    return this.post(kernel, bytes, (memory, to) => ({ memory, from: bytes.byteOffset, to, chain, fresh, sizes }));
  }

  private post<T>(kernel: GearKernel, bytes: Uint8Array, message: (memory: WebAssembly.Memory | undefined, to: number) => object): Promise<T> {
    if (bytes.buffer !== kernel.buffer) return Promise.reject(new TypeError('the bytes are not in the kernel memory'));
    const memory = this.thread.running && this.holds?.deref() === kernel ? undefined : kernel.memory;
    this.holds = new WeakRef(kernel);
    return this.thread.call<T>(message(memory, bytes.byteOffset + bytes.length));
  }

  /** Starts the thread (in the background), so that a first scan does not wait for it to boot. */
  warm(): void {
    this.thread.online();
  }

  /** Whether the thread runs (started by a scan or by warm()). */
  get running(): boolean {
    return this.thread.running;
  }

  close(): Promise<void> {
    return this.thread.close();
  }
}
