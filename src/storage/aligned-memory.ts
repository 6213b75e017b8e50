// Page-aligned memory, for writes with direct I/O (O_DIRECT).
//
// Direct I/O wants the memory, the length and the file offset of each write
// aligned to the device's block size. Buffers (and SharedArrayBuffers) are
// only 16-byte aligned; WebAssembly memory starts on a page boundary. Memory
// made here is remembered (weakly: its ArrayBuffer, which nothing here keeps
// alive), so a store can tell that a body it is handed may be written
// directly without copying it into an aligned buffer of its own. The
// remembering is only a fact about how the memory was allocated.

/** Alignment of direct writes: the largest common logical block size. */
export const DIRECT_ALIGN = 4096;
const WASM_PAGE = 64 * 1024;

const made = new WeakSet<ArrayBufferLike>();

/** The length of alignedBuffer(bytes): whole 64 KiB pages. */
export function alignedSize(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / WASM_PAGE)) * WASM_PAGE;
}

/** alignedSize(bytes) of zeroed memory starting on a page boundary; it never grows. */
export function alignedBuffer(bytes: number): Uint8Array {
  const pages = alignedSize(bytes) / WASM_PAGE;
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
  made.add(memory.buffer);
  return new Uint8Array(memory.buffer);
}

/** True when `view` starts on a DIRECT_ALIGN boundary of memory made by alignedBuffer. */
export function isAligned(view: Uint8Array): boolean {
  return view.byteOffset % DIRECT_ALIGN === 0 && made.has(view.buffer);
}
