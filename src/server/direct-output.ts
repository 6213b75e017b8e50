// Writing a large local output with direct I/O (O_DIRECT): the bytes go from
// our memory to the disk without a copy into the page cache. On this kind of
// VM that copy is most of a get's cost: the page cache of a new file lands in
// memory the guest freed a while ago, which the balloon's free page reporting
// has handed back to the host, and touching it again costs 2-3 CPU-seconds
// per GiB (measured with dd, 512 MiB then fsync: 1.5 s of system time
// buffered, 0.15 s direct, and a quarter of the wall time).
//
// Direct I/O wants the memory, the length and the file offset of each write
// aligned to the device's block size. A large piece that lies in page-aligned
// memory at its output offset modulo that size (as the content store lays
// out what it reads for a local output: see read-buffers.ts) is written from
// where it lies: its whole blocks at once, the partial blocks at its two ends
// through an aligned staging buffer. Other pieces are copied into the stage
// and written a full stage at a time. The last, partial block is written
// padded with zeros and the file then truncated to its real size. The caller
// syncs the file as for any other write.
import type { FileHandle } from 'node:fs/promises';
import { alignedAt, alignedBytes, PAGE_ALIGN } from '../storage/aligned-memory.js';

/** Alignment of direct writes: the largest common logical block size. */
export const DIRECT_ALIGN = PAGE_ALIGN;
/** Bytes per direct write from the stage (a multiple of DIRECT_ALIGN). */
const STAGE_BYTES = 8 * 1024 * 1024;
/** Largest single direct write: a larger span is written in parts at once. */
const PART_BYTES = 2 * 1024 * 1024;
/** Aligned pieces with at least this many whole blocks are written from where they lie; smaller ones are copied. */
const IN_PLACE_BYTES = 1024 * 1024;

/**
 * Writes `data` from offset 0 of `fh` (opened with O_DIRECT) and truncates the
 * file to the bytes written; resolves with their count. Each piece is written
 * or copied before the next is asked for. Throws the write's error, or an Error for a
 * short write (a full disk) that cannot be continued aligned.
 */
export async function writeDirect(fh: FileHandle, data: AsyncIterable<Uint8Array>): Promise<number> {
  const stage = alignedBytes(STAGE_BYTES);
  let used = 0; // bytes in the stage, which go at `position` (a multiple of DIRECT_ALIGN: all before it is written)
  let position = 0;
  let total = 0;
  for await (const piece of data) {
    total += piece.length;
    let at = 0;
    const head = (DIRECT_ALIGN - (used % DIRECT_ALIGN)) % DIRECT_ALIGN; // bytes that complete the stage's last block
    if (piece.length - head >= IN_PLACE_BYTES && alignedAt(piece.subarray(head), DIRECT_ALIGN)) {
      stage.set(piece.subarray(0, head), used); // fits: a full stage is always written at once
      used += head;
      const whole = Math.floor((piece.length - head) / DIRECT_ALIGN) * DIRECT_ALIGN;
      await writeAligned(fh, [
        { bytes: stage.subarray(0, used), position },
        { bytes: piece.subarray(head, head + whole), position: position + used },
      ]);
      position += used + whole;
      used = 0;
      at = head + whole; // the rest, less than a block, is staged
    }
    while (at < piece.length) {
      const n = Math.min(piece.length - at, stage.length - used);
      stage.set(piece.subarray(at, at + n), used);
      used += n;
      at += n;
      if (used === stage.length) {
        await writeAligned(fh, [{ bytes: stage, position }]);
        position += used;
        used = 0;
      }
    }
  }
  if (used > 0) {
    const padded = Math.ceil(used / DIRECT_ALIGN) * DIRECT_ALIGN;
    stage.fill(0, used, padded);
    await writeAligned(fh, [{ bytes: stage.subarray(0, padded), position }]);
  }
  await fh.truncate(total);
  return total;
}

/**
 * Writes each span's bytes at its position, in parts of up to PART_BYTES all
 * under way at once (the device works on several; one write at a time leaves
 * it idle between them). Resolves once every part is written; throws the
 * first failure, but only after no write reads the memory any more.
 */
async function writeAligned(fh: FileHandle, spans: { bytes: Uint8Array; position: number }[]): Promise<void> {
  const parts: Promise<void>[] = [];
  for (const { bytes, position } of spans) {
    for (let at = 0; at < bytes.length; at += PART_BYTES) parts.push(writeSpan(fh, bytes.subarray(at, Math.min(bytes.length, at + PART_BYTES)), position + at));
  }
  const failed = (await Promise.allSettled(parts)).find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** Writes all of `bytes` at `position`. */
async function writeSpan(fh: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  for (let at = 0; at < bytes.length; ) {
    const { bytesWritten } = await fh.write(bytes, at, bytes.length - at, position + at);
    at += bytesWritten;
    if (at < bytes.length && (bytesWritten === 0 || at % DIRECT_ALIGN !== 0)) throw new Error(`short direct write: ${at} of ${bytes.length} bytes at ${position}`);
  }
}
