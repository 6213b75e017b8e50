// The chunker's inner loop as WebAssembly, with the bytes it scans in the
// module's (shared) memory: twice the speed of the JavaScript loop, which is
// what lets one core keep up with a disk copy while another hashes. The source
// is gear-kernel.wat beside this file; the bytes below are its assembly (a
// test reassembles it when wabt is installed and compares). Cuts are exactly
// those of JsGearLoop (property-tested), so stored data does not depend on
// which loop found them.
import { GEAR, JsGearLoop, type GearLoop } from './chunker.js';

const WASM_BASE64 =
  'AGFzbQEAAAABCwFgBn9/f39/fwF/Ag8BA2VudgNtZW0CAwGAgAQDAgEABgYBfwFBAAsHDAIBaAMABHNjYW4AAAp8AXoAAkADQCAAIAFPDQEgA0EBdCAALQAAQQJ0KAIAaiEDIABBAWohACADIARxRQRAIAMkACAADwsMAAsLAkADQCAAIAJPDQEgA0EBdCAALQAAQQJ0KAIAaiEDIABBAWohACADIAVxRQRAIAMkACAADwsMAAsLIAMkAEF/Cw==';

export const GEAR_KERNEL_WASM = Uint8Array.from(Buffer.from(WASM_BASE64, 'base64'));

/** Bytes at the start of the memory taken by the gear table. */
const TABLE_BYTES = 1024;
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
  private readonly exports: KernelExports;
  private readonly fallback = new JsGearLoop();

  /** A kernel whose memory has room for `bytes` bytes of data. */
  constructor(readonly bytes: number) {
    const pages = Math.ceil((TABLE_BYTES + bytes) / PAGE);
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    compiled ??= new WebAssembly.Module(GEAR_KERNEL_WASM);
    const instance = new WebAssembly.Instance(compiled, { env: { mem: memory } });
    this.exports = instance.exports as unknown as KernelExports;
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
    const cut = this.exports.scan(base + i, base + avgStop, base + maxStop, h, maskSmall, maskLarge);
    if (cut >= 0) return cut - base;
    this.hash = this.exports.h.value as number;
    return -1;
  }
}
