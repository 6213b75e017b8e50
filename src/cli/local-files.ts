// Reading the local side of a transfer: walking a folder for `put file -r`
// (sorted, following symbolic links but never around a loop, skipping
// sockets and pipes), streaming files without holding large ones in memory,
// and reading small ones whole.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open, opendir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isTuskError, TuskError } from '../errors/index.js';

export interface LocalFile {
  /** Path to open. */
  abs: string;
  /** '/'-separated path below the walked folder: 'a/b.txt'. */
  rel: string;
}

/** What the walk leaves out, and why (a dangling link, a socket...): `put -r` says so on stderr. */
export type OnSkip = (path: string, why: string) => void;

/** Every regular file below `root`, depth first, names in sorted order; `onSkip` hears of every entry left out. */
export async function* walkFiles(root: string, onSkip: OnSkip = () => {}): AsyncGenerator<LocalFile> {
  const top = await statLocal(root);
  yield* walkDir(root, '', [`${top.dev}:${top.ino}`], onSkip);
}

/**
 * A folder's entries, streamed from the directory (opendir) rather than read
 * as a million Dirent objects at once: only the names are kept (a million
 * names are ~50 MB; their Dirents were ~300), with the few folders and links
 * noted apart.
 */
async function* walkDir(dir: string, rel: string, ancestors: string[], onSkip: OnSkip): AsyncGenerator<LocalFile> {
  const names: string[] = [];
  const linksAndDirs = new Set<string>();
  try {
    for await (const entry of await opendir(dir, { bufferSize: 256 })) {
      if (entry.isFile()) names.push(entry.name);
      else if (entry.isDirectory() || entry.isSymbolicLink()) {
        names.push(entry.name);
        linksAndDirs.add(entry.name);
      } else onSkip(join(dir, entry.name), 'not a regular file, folder or link (a socket, pipe or device)');
    }
  } catch (err) {
    throw localError(dir, err);
  }
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const name of names) {
    const abs = join(dir, name);
    const childRel = rel === '' ? name : `${rel}/${name}`;
    if (!linksAndDirs.has(name)) {
      yield { abs, rel: childRel };
      continue;
    }
    // a folder, or a link to one or to a file: what it points at decides
    const st = await statLocal(abs).catch((err) => {
      if ((err as TuskError).data?.reason === 'ENOENT') return undefined; // a dangling link (or an entry gone since)
      throw err;
    });
    if (!st) {
      onSkip(abs, 'a dangling link');
      continue;
    }
    if (st.isDirectory()) {
      const id = `${st.dev}:${st.ino}`;
      if (ancestors.includes(id)) {
        onSkip(abs, 'a link to a folder above it (a loop)');
        continue;
      }
      yield* walkDir(abs, childRel, [...ancestors, id], onSkip);
    } else if (st.isFile()) {
      yield { abs, rel: childRel };
    } else onSkip(abs, 'a link to something that is not a regular file or folder');
  }
}

export async function statLocal(path: string) {
  try {
    return await stat(path);
  } catch (err) {
    throw localError(path, err);
  }
}

const PIECE = 1024 * 1024;

/**
 * A stream of the file's bytes in right-sized pieces of at most 1 MiB
 * (createReadStream would allocate a whole 1 MiB buffer per read, even for a
 * 1 KiB file), read into buffers the client sends without copying
 * (dataBuffer). With `reuse`, one buffer serves every read: a piece is valid
 * only until the next one is asked for (FileWriter.putFile with
 * `reusedBuffer` consumes them so), which spares allocating, and collecting
 * as garbage, a buffer per MiB.
 * Read errors become one-line TuskErrors naming the path.
 */
export async function* readLocal(path: string, options: { reuse?: boolean } = {}): AsyncGenerator<Uint8Array> {
  const fh = await open(path, 'r').catch((err) => {
    throw localError(path, err);
  });
  try {
    const { dataBuffer } = await import('../client/file-system.js'); // loaded by the command that reads files, not by every `tusk` start
    const { size } = await fh.stat();
    // Ask for one byte more than the size so a file that grew is read to its end.
    let want = Math.min(size + 1, PIECE);
    let buf: Buffer | undefined;
    for (;;) {
      if (!buf || !options.reuse || buf.length < want) buf = dataBuffer(want);
      const { bytesRead } = await fh.read(buf, 0, want, null);
      if (bytesRead === 0) return;
      yield buf.subarray(0, bytesRead);
      want = PIECE;
    }
  } catch (err) {
    throw isTuskError(err) ? err : localError(path, err);
  } finally {
    await fh.close();
  }
}

/**
 * A small file (at most `limit` bytes) read whole, synchronously; a larger one
 * as a stream (readLocal, with `options`). Reading many small files from the page cache with
 * blocking calls costs a third of the CPU of open/stat/read/close as promises
 * (each a trip through the thread pool), and `put file -r` is bound by that.
 */
export function loadLocal(path: string, limit: number, options: { reuse?: boolean } = {}): Uint8Array | AsyncIterable<Uint8Array> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw localError(path, err);
  }
  try {
    const { size } = fstatSync(fd);
    if (size > limit) return readLocal(path, options);
    const buf = Buffer.allocUnsafe(size + 1);
    let filled = 0;
    while (filled < buf.length) {
      const n = readSync(fd, buf, filled, buf.length - filled, null);
      if (n === 0) return buf.subarray(0, filled);
      filled += n;
    }
    return readLocal(path, options); // it grew while we read: stream it instead
  } catch (err) {
    throw localError(path, err);
  } finally {
    closeSync(fd);
  }
}

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  EMFILE: 'too many open files',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'name too long (a local file system takes names of at most 255 bytes)',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
};

/** A local file-system failure as a one-line error naming the path. */
export function localError(path: string, err: unknown): TuskError {
  const code = (err as NodeJS.ErrnoException)?.code ?? '';
  const reason = REASONS[code] ?? (err as Error)?.message ?? String(err);
  return new TuskError(code === 'ENOENT' ? 'not_found' : 'failed_precondition', 'LocalFileError', `${path}: ${reason}`, { path, reason: code });
}
