// Page-aligned shared memory, for buffers that direct I/O (O_DIRECT) may
// write from or read into. Direct I/O wants the memory address of a transfer
// aligned to the device's block size; Buffers and SharedArrayBuffers are only
// 16-byte aligned, but WebAssembly memory starts on a page boundary. Shared
// WebAssembly memory is a SharedArrayBuffer, so the hash worker can read it
// in place too.
//
// JavaScript cannot see an address, so the buffers made here are remembered
// (weakly: a buffer nobody holds is still collected): `alignedAt` tells
// whether a view starts at a known multiple of an alignment.

/** The largest common logical block size: direct transfers are aligned to it. */
export const PAGE_ALIGN = 4096;
const WASM_PAGE = 64 * 1024;

const aligned = new WeakSet<ArrayBufferLike>();

/** `size` bytes of zeroed, page-aligned shared memory. */
export function alignedBytes(size: number): Uint8Array {
  const pages = Math.max(1, Math.ceil(size / WASM_PAGE));
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  aligned.add(memory.buffer);
  return new Uint8Array(memory.buffer, 0, size);
}

/** Whether `view` starts at a multiple of `align` (a power of two up to WebAssembly's 64 KiB page) in memory from alignedBytes. */
export function alignedAt(view: Uint8Array, align: number): boolean {
  return aligned.has(view.buffer) && view.byteOffset % align === 0;
}
