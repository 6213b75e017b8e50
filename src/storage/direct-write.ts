// Writing a new object file with direct I/O (O_DIRECT): the bytes go from our
// memory to the disk without a copy into the page cache. On this kind of VM
// that copy is a large part of a put's cost: the page cache of a new file lands
// in memory the guest freed a while ago, which the balloon's free page
// reporting has handed back to the host, and touching it again costs 2-3
// CPU-seconds per GiB (see src/server/direct-output.ts, which does the same
// for `get file -o`). Trade-off: the object is not in the page cache after
// the write, so its first read comes from the disk.
//
// Only bodies in page-aligned memory (aligned-memory.ts: the pack writer's
// buffers) are written this way, straight from that memory: the aligned
// prefix in one write, then the last partial block copied into a small
// aligned buffer, padded with zeros, and the file truncated to its real
// size. Durability is the caller's as for any write: it fsyncs the file
// (an fsync covers writes made through any descriptor of the file).
// A file system that refuses direct I/O (EINVAL at open or at the first write)
// gets the body from the caller as usual, written from the start.
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { alignedAt, alignedBytes, PAGE_ALIGN } from './aligned-memory.js';

/** Bodies smaller than this are written as usual: the page cache costs little for them. */
export const DIRECT_MIN_BYTES = 1024 * 1024;

/** True when `body` may be written with writeDirect. */
export function wantsDirect(body: Uint8Array): boolean {
  return body.length >= DIRECT_MIN_BYTES && constants.O_DIRECT !== undefined && alignedAt(body, PAGE_ALIGN);
}

/**
 * Writes `body` (wantsDirect) into the new, empty file `path` through a
 * descriptor of its own opened with O_DIRECT, and truncates the file to the
 * body's length. Resolves false when the file system refuses direct I/O (write
 * the body from the start as usual); throws any other error (a short write: a
 * full disk).
 */
export async function writeDirect(path: string, body: Uint8Array): Promise<boolean> {
  let fh: FileHandle;
  try {
    fh = await open(path, constants.O_WRONLY | constants.O_DIRECT);
  } catch (err) {
    if (isRefusal(err)) return false;
    throw err;
  }
  try {
    const whole = body.length - (body.length % PAGE_ALIGN);
    let at = 0;
    try {
      at = await writeAt(fh, body.subarray(0, whole), 0);
    } catch (err) {
      if (isRefusal(err)) return false;
      throw err;
    }
    if (at < body.length) {
      const tail = alignedBytes(PAGE_ALIGN, false);
      tail.set(body.subarray(at));
      await writeAt(fh, tail, at);
      await fh.truncate(body.length);
    }
    return true;
  } finally {
    await fh.close().catch(() => undefined);
  }
}

/** Writes all of `bytes` (a multiple of PAGE_ALIGN) at `position`; the position after them. */
async function writeAt(fh: FileHandle, bytes: Uint8Array, position: number): Promise<number> {
  for (let at = 0; at < bytes.length; ) {
    const { bytesWritten } = await fh.write(bytes, at, bytes.length - at, position + at);
    at += bytesWritten;
    if (at < bytes.length && (bytesWritten === 0 || at % PAGE_ALIGN !== 0)) throw new Error(`short direct write: ${at} of ${bytes.length} bytes at ${position}`);
  }
  return position + bytes.length;
}

function isRefusal(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'EINVAL';
}
