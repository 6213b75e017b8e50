// The local fast path of `put file` and `get file -o`: a CLI on the daemon's
// own machine names a file (ModifyFile's `local_file`, GetFile's
// `local_output`) instead of streaming its bytes over gRPC, and the daemon
// reads (or writes) it itself: no copies through the CLI, the gRPC frames and
// the HTTP/2 windows, and the CLI's core is free for the daemon's work.
//
// Security: the daemon must never read, on a caller's behalf, a file that the
// caller could not read itself (a user on the same machine naming another
// user's file, or /proc/<pid>/fd/N of a process of the daemon's user). So the
// path is taken only from a caller that proves it runs as the daemon's own
// user (and write only into a file the caller made and names): `proof` must be a regular file (not followed through a link) owned by
// the daemon's uid, readable by nobody else, holding exactly `nonce`. Only a
// process of that uid (or root) can create such a file, and such a process can
// read whatever the daemon can, so reading `source` for it grants nothing new.
// A daemon running as root accepts only proofs owned by root. The proof must
// also sit in a private `tusk-proof-*` folder directly in the daemon's
// temporary directory (where the CLI makes it): pipeline code runs as the
// daemon's user too, but in a sandbox whose /tmp is its own, so a file it
// writes (say under /pfs/out, which lies in the daemon's home) can never pass
// for a proof and get the daemon to read files the sandbox hides. Anything else
// (another uid, another machine or container, a missing file, a socket or
// pipe) is refused with LocalFileRefused before a byte is read, and the client
// falls back to streaming. The ModifyFile call itself is authorized as usual.
import { timingSafeEqual } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, stat, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { FailedPrecondition } from '../errors/index.js';
import type { LocalFile, LocalOutput } from '../gen/tusk/pfs.js';
import type { FillingSource } from '../storage/file-writer.js';
import { writeDirect, type DirectWriteOptions } from './direct-output.js';

/** Bytes per read of a local source (two buffers: one being read while the other is consumed). */
const PIECE = 4 * 1024 * 1024;
const MIN_NONCE = 32;
/** Outputs of at least this many bytes are written with direct I/O (see direct-output.ts). */
export const DIRECT_MIN_BYTES = 8 * 1024 * 1024;
/** Pieces of a local output smaller than this are gathered into writes of this size. */
const STAGE_BYTES = 1024 * 1024;
/**
 * Largest single write() of a buffered output: a larger one takes large, fresh
 * page-cache folios, which cost this VM about 4x the system time (storage's
 * FsStore writes in the same pieces, see its WRITE_PIECE).
 */
const WRITE_PIECE = 256 * 1024;

function refuse(reason: string): FailedPrecondition {
  return new FailedPrecondition('LocalFileRefused', `the daemon does not read this file itself: ${reason}; send its bytes instead`, { reason });
}

/** Checks the caller's proof; throws LocalFileRefused if it does not show the caller runs as the daemon's user. */
export async function checkProof(proof: string, nonce: string, uid = process.getuid?.(), tempRoot = tmpdir()): Promise<void> {
  if (uid === undefined) throw refuse('this platform has no user ids');
  if (nonce.length < MIN_NONCE) throw refuse('the nonce is too short');
  if (!isAbsolute(proof)) throw refuse('the proof path is not absolute');
  let fh: FileHandle;
  try {
    fh = await open(proof, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    throw refuse(`cannot open the proof (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw refuse('the proof is not a regular file');
    if (st.uid !== uid) throw refuse('the proof is owned by another user');
    if ((st.mode & 0o077) !== 0) throw refuse('the proof is readable by other users');
    const expected = Buffer.from(nonce, 'utf8');
    if (st.size !== expected.length) throw refuse('the proof does not hold the nonce');
    const got = Buffer.alloc(expected.length);
    const { bytesRead } = await fh.read(got, 0, got.length, 0);
    if (bytesRead !== got.length || !timingSafeEqual(got, expected)) throw refuse('the proof does not hold the nonce');
  } finally {
    await fh.close().catch(() => undefined);
  }
  const folder = dirname(proof);
  if (dirname(folder) !== resolve(tempRoot) || !basename(folder).startsWith('tusk-proof-')) throw refuse(`the proof is not in a tusk-proof- folder of ${resolve(tempRoot)}`);
  const st = await lstat(folder).catch(() => undefined);
  if (!st?.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0) throw refuse("the proof's folder is not private to the daemon's user");
}

/**
 * Opens `req.source` for the daemon to read, after checking the proof. The
 * content store reads it straight into its own memory (`fill`, see
 * FillingSource); anything else iterates it: pieces of one of two reused
 * buffers (each valid until the next is asked for: the content store copies a
 * piece before asking for more), the next read already under way while a
 * piece is consumed.
 */
export async function openLocalFile(req: LocalFile): Promise<FillingSource> {
  await checkProof(req.proof, req.nonce);
  if (!isAbsolute(req.source)) throw refuse('the source path is not absolute');
  let fh: FileHandle;
  try {
    // stat first: opening a FIFO for reading would wait for a writer.
    if (!(await stat(req.source)).isFile()) throw refuse('the source is not a regular file');
    fh = await open(req.source, 'r');
  } catch (err) {
    if (err instanceof FailedPrecondition) throw err;
    throw refuse(`cannot open the source (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return new LocalSource(fh);
}

/** An open local file, read either by `fill` or by iteration (once). */
class LocalSource implements FillingSource {
  private closed?: Promise<void>;

  constructor(private readonly fh: FileHandle) {}

  async fill(target: Uint8Array): Promise<number> {
    let filled = 0;
    while (filled < target.length) {
      const { bytesRead } = await this.fh.read(target, filled, target.length - filled, null);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return filled;
  }

  close(): Promise<void> {
    return (this.closed ??= this.fh.close().catch(() => undefined));
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return readPieces(this.fh, () => this.close());
  }
}

/** An output file opened for the daemon; `direct` when its writes bypass the page cache (direct-output.ts). */
export interface OutputFile {
  fh: FileHandle;
  direct: boolean;
}

/**
 * Opens the existing regular file `req.path` (not through a link) for the
 * daemon to write `size` bytes into, after checking the proof; truncated.
 * Outputs of DIRECT_MIN_BYTES and more are opened for direct I/O where the
 * file system allows it (not tmpfs, say: then as any other).
 */
export async function openLocalOutput(req: LocalOutput, size = 0): Promise<OutputFile> {
  await checkProof(req.proof, req.nonce);
  if (!isAbsolute(req.path)) throw refuse('the output path is not absolute');
  const flags = constants.O_WRONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
  const wantDirect = size >= DIRECT_MIN_BYTES && constants.O_DIRECT !== undefined;
  let fh: FileHandle;
  let direct = wantDirect;
  try {
    try {
      fh = await open(req.path, direct ? flags | constants.O_DIRECT : flags);
    } catch (err) {
      if (!direct || (err as NodeJS.ErrnoException).code !== 'EINVAL') throw err;
      direct = false; // a file system without direct I/O
      fh = await open(req.path, flags);
    }
  } catch (err) {
    throw refuse(`cannot open the output (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    if (!(await fh.stat()).isFile()) throw refuse('the output is not a regular file');
    await fh.truncate(0);
    return { fh, direct };
  } catch (err) {
    await fh.close().catch(() => undefined);
    throw err;
  }
}

/**
 * Writes `data` into the output, makes it durable (one fsync, as `cp` and then
 * `sync` of the file would), closes it and resolves with the byte count. Each
 * piece is written (or copied) before the next is asked for, so `data` may
 * reuse a piece's memory once it moves on (ContentStore.readReusing); with
 * `overlap`, direct writes of a piece may still be under way then, and `data`
 * must keep its memory until the promise passed to that next() settles (see
 * DirectWriteOptions). Without direct I/O, pieces of STAGE_BYTES and more are
 * written as they are, smaller ones gathered into writes of about that size.
 */
export async function writeLocalOutput({ fh, direct }: OutputFile, data: AsyncIterable<Uint8Array>, options: DirectWriteOptions = {}): Promise<number> {
  try {
    const total = direct ? await writeDirect(fh, data, options) : await writeBuffered(fh, data);
    await fh.sync();
    return total;
  } finally {
    await fh.close().catch(() => undefined);
  }
}

async function writeBuffered(fh: FileHandle, data: AsyncIterable<Uint8Array>): Promise<number> {
  let total = 0;
  let stage: Buffer | undefined;
  let staged = 0;
  const flush = async () => {
    if (staged > 0) await writeAll(fh, stage!.subarray(0, staged));
    staged = 0;
  };
  for await (const piece of data) {
    total += piece.length;
    if (piece.length >= STAGE_BYTES) {
      await flush();
      await writeAll(fh, piece);
      continue;
    }
    stage ??= Buffer.allocUnsafe(STAGE_BYTES);
    if (staged + piece.length > stage.length) await flush();
    stage.set(piece, staged);
    staged += piece.length;
  }
  await flush();
  return total;
}

/** Writes all of `bytes` at the file's position, in writes of at most WRITE_PIECE (finishing short writes). */
async function writeAll(fh: FileHandle, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length; ) {
    const { bytesWritten } = await fh.write(bytes, at, Math.min(bytes.length - at, WRITE_PIECE));
    at += bytesWritten;
  }
}

/** The opener of a daemon told not to read local files (TUSK_LOCAL_FILES=false). */
export async function refuseLocalFile(): Promise<never> {
  throw refuse('this daemon reads no local files (TUSK_LOCAL_FILES=false)');
}

async function* readPieces(fh: FileHandle, close: () => Promise<void>): AsyncGenerator<Uint8Array> {
  const bufs = [Buffer.allocUnsafe(PIECE), Buffer.allocUnsafe(PIECE)];
  let turn = 0;
  let next = fh.read(bufs[0]!, 0, PIECE, null);
  try {
    for (;;) {
      const { bytesRead } = await next;
      if (bytesRead === 0) return;
      const piece = bufs[turn]!.subarray(0, bytesRead);
      turn ^= 1;
      next = fh.read(bufs[turn]!, 0, PIECE, null);
      next.catch(() => undefined); // observed on the next turn
      yield piece;
    }
  } finally {
    await next.catch(() => undefined); // a read still under way when the consumer stopped
    await close();
  }
}
