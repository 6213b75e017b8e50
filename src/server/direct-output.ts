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
//
// With a source that lets a piece be written after it asks for the next
// (`overlap`: the content store's reused pieces, see pfs PieceStream), the
// writes of one in-place piece are still under way while those of the next
// are issued: the device never runs dry between two pieces (measured with
// 8 MiB pieces: about a quarter more throughput than writing one piece at a
// time). The block joining two such pieces is written from a small block of
// its own per piece in flight, so the stage is free again at once, in one
// write (writev) with the piece after it.
import type { FileHandle } from 'node:fs/promises';
import { alignedAt, alignedBytes, PAGE_ALIGN } from '../storage/aligned-memory.js';

/** Alignment of direct writes: the largest common logical block size. */
export const DIRECT_ALIGN = PAGE_ALIGN;
/** Bytes per direct write from the stage (a multiple of DIRECT_ALIGN). */
const STAGE_BYTES = 8 * 1024 * 1024;
/**
 * Largest single direct write: a larger span is written in parts at once.
 * A whole read group (8 MiB) goes in one write. Writes that extend the file
 * (all of ours: it grows as we write) run one at a time on ext4, under the
 * inode's lock held until the device is done, so parts in flight do not
 * deepen the device's queue: they only wait on that lock, each holding one of
 * the thread pool's four threads, and the reads feeding the next pieces
 * (open, read of a pack) wait behind them. One write per piece keeps at most
 * two threads on writes (a piece and the one before, see `overlap`), its
 * 4 MiB requests go to the device together, and the device gets a new write
 * 4 times less often.
 */
const PART_BYTES = 8 * 1024 * 1024;
/** Aligned pieces with at least this many whole blocks are written from where they lie; smaller ones are copied. */
const IN_PLACE_BYTES = 1024 * 1024;

/** Options of writeDirect. */
export interface DirectWriteOptions {
  /**
   * `data` keeps a piece's memory valid until the promise passed to the
   * next() after it settles (pfs PieceStream): in-place writes then overlap.
   * Without it, each piece is written or copied before the next is asked for.
   */
  overlap?: boolean;
}

/**
 * Writes `data` from offset 0 of `fh` (opened with O_DIRECT) and truncates the
 * file to the bytes written; resolves with their count. Throws the write's
 * error, or an Error for a short write (a full disk) that cannot be continued
 * aligned; either way only once no write reads a piece's memory any more.
 */
export async function writeDirect(fh: FileHandle, data: AsyncIterable<Uint8Array>, options: DirectWriteOptions = {}): Promise<number> {
  const stage = alignedBytes(STAGE_BYTES);
  const joins = alignedBytes(2 * DIRECT_ALIGN); // the joining block of each of the two in-place pieces that may be under way
  let turn = 0;
  let used = 0; // bytes in the stage, which go at `position` (a multiple of DIRECT_ALIGN: all before it is written)
  let position = 0;
  let total = 0;
  let flying: Promise<void> | undefined; // writes of the last in-place piece, not yet waited for (overlap only)
  let inUse: Promise<void> | undefined; // passed to next(): the piece just written is in use until it settles
  const pieces = data[Symbol.asyncIterator]() as AsyncIterator<Uint8Array, unknown, PromiseLike<unknown> | undefined>;
  let done = false;
  try {
    for (;;) {
      const next = await pieces.next(inUse);
      inUse = undefined;
      if (next.done) {
        done = true;
        break;
      }
      const piece = next.value;
      total += piece.length;
      let at = 0;
      const head = (DIRECT_ALIGN - (used % DIRECT_ALIGN)) % DIRECT_ALIGN; // bytes that complete the stage's last block
      if (piece.length - head >= IN_PLACE_BYTES && alignedAt(piece.subarray(head), DIRECT_ALIGN)) {
        const whole = Math.floor((piece.length - head) / DIRECT_ALIGN) * DIRECT_ALIGN;
        stage.set(piece.subarray(0, head), used); // fits: a full stage is always written at once
        used += head;
        // Overlapping, the joining block goes from a block of its own; more than that (pieces copied before) from the stage, at once.
        const overlap = options.overlap === true && used <= DIRECT_ALIGN;
        let staged = stage.subarray(0, used);
        if (overlap) {
          staged = joins.subarray(turn * DIRECT_ALIGN, turn * DIRECT_ALIGN + used); // free again once this piece's writes are done
          staged.set(stage.subarray(0, used));
          turn ^= 1;
        }
        const writes = writeAligned(fh, [
          { bytes: staged, position },
          { bytes: piece.subarray(head, head + whole), position: position + used },
        ]);
        position += used + whole;
        used = 0;
        at = head + whole; // the rest, less than a block, is staged
        if (overlap) {
          writes.catch(() => undefined); // observed below, or when the next in-place piece waits for it
          const before = flying;
          flying = writes;
          inUse = writes;
          await before; // the piece before is done with before the next is asked for
        } else await writes;
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
    await flying;
    flying = undefined;
  } catch (err) {
    await flying?.catch(() => undefined); // no write reads a piece's memory any more
    if (!done) await pieces.return?.();
    throw err;
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
 * under way at once (one issued after another would leave the device idle
 * between them). A span of at most one block (the block joining two pieces)
 * goes in one write with the part right after it: a write of its own would be
 * one more extending write waiting on the inode's lock, and one more request
 * to the device, for every piece. Resolves once every part is written; throws
 * the first failure, but only after no write reads the memory any more.
 */
async function writeAligned(fh: FileHandle, spans: { bytes: Uint8Array; position: number }[]): Promise<void> {
  const parts: { buffers: Uint8Array[]; position: number; end: number }[] = [];
  for (const { bytes, position } of spans) {
    for (let at = 0; at < bytes.length; at += PART_BYTES) {
      const part = bytes.subarray(at, Math.min(bytes.length, at + PART_BYTES));
      const before = parts[parts.length - 1];
      if (before && before.end === position + at && before.end - before.position <= DIRECT_ALIGN) {
        before.buffers.push(part);
        before.end += part.length;
      } else parts.push({ buffers: [part], position: position + at, end: position + at + part.length });
    }
  }
  const failed = (await Promise.allSettled(parts.map((p) => writeParts(fh, p.buffers, p.position)))).find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** Writes `buffers` one after another from `position`: in one writev, finishing a short one a buffer at a time. */
async function writeParts(fh: FileHandle, buffers: Uint8Array[], position: number): Promise<void> {
  let done = 0; // bytes written from the start
  if (buffers.length > 1) {
    const total = buffers.reduce((sum, b) => sum + b.length, 0);
    done = (await fh.writev(buffers, position)).bytesWritten;
    if (done === total) return;
    if (done === 0 || done % DIRECT_ALIGN !== 0) throw new Error(`short direct write: ${done} of ${total} bytes at ${position}`);
  }
  let start = 0; // of the buffer in the bytes
  for (const bytes of buffers) {
    const end = start + bytes.length;
    if (end > done) await writeSpan(fh, bytes.subarray(Math.max(0, done - start)), position + Math.max(done, start));
    start = end;
  }
}

/** Writes all of `bytes` at `position`. */
async function writeSpan(fh: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  for (let at = 0; at < bytes.length; ) {
    const { bytesWritten } = await fh.write(bytes, at, bytes.length - at, position + at);
    at += bytesWritten;
    if (at < bytes.length && (bytesWritten === 0 || at % DIRECT_ALIGN !== 0)) throw new Error(`short direct write: ${at} of ${bytes.length} bytes at ${position}`);
  }
}
