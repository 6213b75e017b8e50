// The chunker's inner loop as WebAssembly, with the bytes it scans in the
// module's (shared) memory: twice the speed of the JavaScript loop, which is
// what lets one core keep up with a disk copy while another hashes. The source
// is gear-kernel.wat beside this file; the bytes below are its assembly (a
// test reassembles it when wabt is installed and compares). Cuts are exactly
// those of JsGearLoop (property-tested), so stored data does not depend on
// which loop found them.
//
// A kernel can also be handed the cut candidates of a region that a scan
// thread found ahead of it (gear-scan.ts, `cover`): the hash after a byte
// depends only on the 32 bytes up to it (each step doubles the hash, so older
// bytes shift out of its 32 bits), so past the first 31 bytes of a run the
// hash at every byte is the one the thread computed, and only the 31 bytes at
// the start of each run are hashed here.
import { GEAR, JsGearLoop, type GearLoop } from './chunker.js';

const WASM_BASE64 =
  'AGFzbQEAAAABCwFgBn9/f39/fwF/Ag8BA2VudgNtZW0CAwGAgAQDAgEABgYBfwFBAAsHDAIBaAMABHNjYW4AAAqPBgGMBgACQANAIABBCGogAUsNASADQQF0IAAtAABBAnQoAgBqIQMgAyAEcUUEQCADJAAgAEEBag8LIANBAXQgAC0AAUECdCgCAGohAyADIARxRQRAIAMkACAAQQJqDwsgA0EBdCAALQACQQJ0KAIAaiEDIAMgBHFFBEAgAyQAIABBA2oPCyADQQF0IAAtAANBAnQoAgBqIQMgAyAEcUUEQCADJAAgAEEEag8LIANBAXQgAC0ABEECdCgCAGohAyADIARxRQRAIAMkACAAQQVqDwsgA0EBdCAALQAFQQJ0KAIAaiEDIAMgBHFFBEAgAyQAIABBBmoPCyADQQF0IAAtAAZBAnQoAgBqIQMgAyAEcUUEQCADJAAgAEEHag8LIANBAXQgAC0AB0ECdCgCAGohAyADIARxRQRAIAMkACAAQQhqDwsgAEEIaiEADAALCwJAA0AgACABTw0BIANBAXQgAC0AAEECdCgCAGohAyAAQQFqIQAgAyAEcUUEQCADJAAgAA8LDAALCwJAA0AgAEEIaiACSw0BIANBAXQgAC0AAEECdCgCAGohAyADIAVxRQRAIAMkACAAQQFqDwsgA0EBdCAALQABQQJ0KAIAaiEDIAMgBXFFBEAgAyQAIABBAmoPCyADQQF0IAAtAAJBAnQoAgBqIQMgAyAFcUUEQCADJAAgAEEDag8LIANBAXQgAC0AA0ECdCgCAGohAyADIAVxRQRAIAMkACAAQQRqDwsgA0EBdCAALQAEQQJ0KAIAaiEDIAMgBXFFBEAgAyQAIABBBWoPCyADQQF0IAAtAAVBAnQoAgBqIQMgAyAFcUUEQCADJAAgAEEGag8LIANBAXQgAC0ABkECdCgCAGohAyADIAVxRQRAIAMkACAAQQdqDwsgA0EBdCAALQAHQQJ0KAIAaiEDIAMgBXFFBEAgAyQAIABBCGoPCyAAQQhqIQAMAAsLAkADQCAAIAJPDQEgA0EBdCAALQAAQQJ0KAIAaiEDIABBAWohACADIAVxRQRAIAMkACAADwsMAAsLIAMkAEF/Cw==';

export const GEAR_KERNEL_WASM = Uint8Array.from(Buffer.from(WASM_BASE64, 'base64'));

/** Bytes at the start of the memory taken by the gear table. */
const TABLE_BYTES = 1024;
/** A run's first bytes whose hash still depends on the hash it started from (the hash holds 32 bytes). */
export const GEAR_HEAD = 31;

/**
 * Every byte of a region of a kernel's memory whose gear hash (over the 32
 * bytes up to it) has no bit of `mask` set: `found` holds pairs [address,
 * hash], in address order, for the addresses in [validFrom, to). Addresses
 * are offsets in the memory (views' byteOffset + index).
 */
export interface GearCandidates {
  validFrom: number;
  to: number;
  mask: number;
  found: Int32Array;
}
const PAGE = 65536;

let compiled: WebAssembly.Module | undefined;

interface KernelExports {
  scan(i: number, avgStop: number, maxStop: number, h: number, maskSmall: number, maskLarge: number): number;
  h: WebAssembly.Global;
}

/**
 * A GearLoop that owns a shared WebAssembly memory. Buffers carved out of it
 * with `view()` are scanned by WebAssembly; any other buffer falls back to the
 * JavaScript loop.
 */
export class GearKernel implements GearLoop {
  hash = 0;
  /** The shared memory's buffer: what views live in (a hash worker can read it too). */
  readonly buffer: SharedArrayBuffer;
  /** The memory itself, for a scan thread to instantiate the same code over. */
  readonly memory: WebAssembly.Memory;
  /**
   * Candidates found ahead for the bytes being scanned now: set by the caller
   * around one synchronous scan of exactly the bytes they were found in, then
   * cleared (the memory is reused afterwards).
   */
  cover: GearCandidates | undefined;
  private readonly exports: KernelExports;
  private readonly fallback = new JsGearLoop();

  /** A kernel whose memory has room for `bytes` bytes of data. */
  constructor(readonly bytes: number) {
    const pages = Math.ceil((TABLE_BYTES + bytes) / PAGE);
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    compiled ??= new WebAssembly.Module(GEAR_KERNEL_WASM);
    const instance = new WebAssembly.Instance(compiled, { env: { mem: memory } });
    this.exports = instance.exports as unknown as KernelExports;
    this.memory = memory;
    this.buffer = memory.buffer as unknown as SharedArrayBuffer;
    new Int32Array(this.buffer, 0, 256).set(GEAR);
  }

  /** `length` bytes of the data area starting `offset` bytes into it. */
  view(offset: number, length: number): Uint8Array {
    if (offset < 0 || length < 0 || offset + length > this.bytes) throw new RangeError('view outside the kernel memory');
    return new Uint8Array(this.buffer, TABLE_BYTES + offset, length);
  }

  run(buf: Uint8Array, i: number, avgStop: number, maxStop: number, h: number, maskSmall: number, maskLarge: number): number {
    if (buf.buffer !== this.buffer) {
      const cut = this.fallback.run(buf, i, avgStop, maxStop, h, maskSmall, maskLarge);
      this.hash = this.fallback.hash;
      return cut;
    }
    const base = buf.byteOffset;
    const cover = this.cover;
    if (cover && covers(cover, base + i + GEAR_HEAD, base + maxStop, maskSmall, maskLarge)) return this.runCovered(cover, buf, i, avgStop, maxStop, h, maskSmall, maskLarge);
    const cut = this.exports.scan(base + i, base + avgStop, base + maxStop, h, maskSmall, maskLarge);
    if (cut >= 0) return cut - base;
    this.hash = this.exports.h.value as number;
    return -1;
  }

  /** As run, with the candidates of bytes [i + GEAR_HEAD, maxStop) known: only the head is hashed. */
  private runCovered(cover: GearCandidates, buf: Uint8Array, i: number, avgStop: number, maxStop: number, h: number, maskSmall: number, maskLarge: number): number {
    const base = buf.byteOffset;
    const headStop = i + GEAR_HEAD;
    const head = this.exports.scan(base + i, base + Math.min(avgStop, headStop), base + headStop, h, maskSmall, maskLarge);
    if (head >= 0) return head - base;
    const found = cover.found;
    const stop = base + maxStop;
    const small = base + avgStop;
    for (let k = firstAtOrAfter(found, base + headStop); k < found.length; k += 2) {
      const at = found[k]!;
      if (at >= stop) break;
      if ((found[k + 1]! & (at < small ? maskSmall : maskLarge)) === 0) return at + 1 - base;
    }
    this.hash = windowHash(buf, maxStop);
    return -1;
  }
}

/** Whether `cover` knows every candidate in [from, to) that a run with these masks could cut at. */
function covers(cover: GearCandidates, from: number, to: number, maskSmall: number, maskLarge: number): boolean {
  const m = cover.mask;
  return from < to && from >= cover.validFrom && to <= cover.to && (maskSmall & m) === m && (maskLarge & m) === m;
}

/** The index in `found` (pairs) of the first address at or after `at`. */
function firstAtOrAfter(found: Int32Array, at: number): number {
  let lo = 0;
  let hi = found.length >> 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (found[mid * 2]! < at) lo = mid + 1;
    else hi = mid;
  }
  return lo * 2;
}

/** The gear hash after buf[end - 1] of any run that began at least GEAR_HEAD bytes before it: that of the 32 bytes up to it. */
function windowHash(buf: Uint8Array, end: number): number {
  let h = 0;
  for (let t = end - GEAR_HEAD - 1; t < end; t++) h = ((h << 1) + GEAR[buf[t]!]!) | 0;
  return h;
}
