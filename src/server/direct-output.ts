// Writing a large local output with direct I/O (O_DIRECT): the bytes go from
// our memory to the disk without a copy into the page cache. On this kind of
// VM that copy is most of a get's cost: the page cache of a new file lands in
// memory the guest freed a while ago, which the balloon's free page reporting
// has handed back to the host, and touching it again costs 2-3 CPU-seconds
// per GiB (measured with dd, 512 MiB then fsync: 1.5 s of system time
// buffered, 0.15 s direct, and a quarter of the wall time).
//
// Direct I/O wants the memory, the length and the file offset of each write
// aligned to the device's block size: pieces are copied into an aligned
// staging buffer (WebAssembly memory starts on a page boundary; Buffers and
// SharedArrayBuffers do not) and written a full stage at a time; the last,
// partial block is written padded with zeros and the file then truncated to
// its real size. The caller syncs the file as for any other write.
import type { FileHandle } from 'node:fs/promises';

/** Alignment of direct writes: the largest common logical block size. */
export const DIRECT_ALIGN = 4096;
/** Bytes per direct write (a multiple of DIRECT_ALIGN and of the 64 KiB WebAssembly page). */
const STAGE_BYTES = 8 * 1024 * 1024;

/**
 * Writes `data` from offset 0 of `fh` (opened with O_DIRECT) and truncates the
 * file to the bytes written; resolves with their count. Each piece is copied
 * before the next is asked for. Throws the write's error, or an Error for a
 * short write (a full disk) that cannot be continued aligned.
 */
export async function writeDirect(fh: FileHandle, data: AsyncIterable<Uint8Array>): Promise<number> {
  const stage = new Uint8Array(new WebAssembly.Memory({ initial: STAGE_BYTES / 65536, maximum: STAGE_BYTES / 65536 }).buffer);
  let used = 0;
  let position = 0;
  let total = 0;
  for await (const piece of data) {
    total += piece.length;
    for (let at = 0; at < piece.length; ) {
      const n = Math.min(piece.length - at, stage.length - used);
      stage.set(piece.subarray(at, at + n), used);
      used += n;
      at += n;
      if (used === stage.length) {
        position = await writeAligned(fh, stage, position);
        used = 0;
      }
    }
  }
  if (used > 0) {
    const padded = Math.ceil(used / DIRECT_ALIGN) * DIRECT_ALIGN;
    stage.fill(0, used, padded);
    await writeAligned(fh, stage.subarray(0, padded), position);
  }
  await fh.truncate(total);
  return total;
}

/** Writes all of `bytes` at `position`; the position after them. */
async function writeAligned(fh: FileHandle, bytes: Uint8Array, position: number): Promise<number> {
  for (let at = 0; at < bytes.length; ) {
    const { bytesWritten } = await fh.write(bytes, at, bytes.length - at, position + at);
    at += bytesWritten;
    if (at < bytes.length && (bytesWritten === 0 || at % DIRECT_ALIGN !== 0)) throw new Error(`short direct write: ${at} of ${bytes.length} bytes at ${position}`);
  }
  return position + bytes.length;
}
