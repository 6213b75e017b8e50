// Reading the local side of a transfer: walking a folder for `put file -r`
// (sorted, following symbolic links but never around a loop, skipping
// sockets and pipes), streaming files without holding large ones in memory,
// and reading small ones ahead while earlier ones upload.
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isTuskError, TuskError } from '../errors/index.js';

export interface LocalFile {
  /** Path to open. */
  abs: string;
  /** '/'-separated path below the walked folder: 'a/b.txt'. */
  rel: string;
}

/** Every regular file below `root`, depth first, names in sorted order. */
export async function* walkFiles(root: string): AsyncGenerator<LocalFile> {
  const top = await statLocal(root);
  yield* walkDir(root, '', [`${top.dev}:${top.ino}`]);
}

async function* walkDir(dir: string, rel: string, ancestors: string[]): AsyncGenerator<LocalFile> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw localError(dir, err);
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const abs = join(dir, entry.name);
    const childRel = rel === '' ? entry.name : `${rel}/${entry.name}`;
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    let id = '';
    if (entry.isSymbolicLink() || isDir) {
      const st = await statLocal(abs).catch((err) => {
        if (entry.isSymbolicLink() && (err as TuskError).data?.reason === 'ENOENT') return undefined; // dangling link
        throw err;
      });
      if (!st) continue;
      isDir = st.isDirectory();
      isFile = st.isFile();
      id = `${st.dev}:${st.ino}`;
    }
    if (isDir) {
      if (ancestors.includes(id)) continue; // a link back up the tree
      yield* walkDir(abs, childRel, [...ancestors, id]);
    } else if (isFile) {
      yield { abs, rel: childRel };
    }
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
 * 1 KiB file). Read errors become one-line TuskErrors naming the path.
 */
export async function* readLocal(path: string): AsyncGenerator<Uint8Array> {
  const fh = await open(path, 'r').catch((err) => {
    throw localError(path, err);
  });
  try {
    const { size } = await fh.stat();
    // Ask for one byte more than the size so a file that grew is read to its end.
    let want = Math.min(size + 1, PIECE);
    for (;;) {
      const buf = Buffer.allocUnsafe(want);
      const { bytesRead } = await fh.read(buf, 0, want, null);
      if (bytesRead === 0) return;
      yield bytesRead === want ? buf : buf.subarray(0, bytesRead);
      want = PIECE;
    }
  } catch (err) {
    throw isTuskError(err) ? err : localError(path, err);
  } finally {
    await fh.close();
  }
}

/**
 * Reads a small file (at most `limit` bytes) whole, to be queued ahead of the
 * upload; a larger one is left to stream when its turn comes.
 */
export async function prefetchLocal(path: string, limit: number): Promise<Uint8Array | AsyncIterable<Uint8Array>> {
  const fh = await open(path, 'r').catch((err) => {
    throw localError(path, err);
  });
  try {
    const { size } = await fh.stat();
    if (size > limit) return readLocal(path);
    const buf = Buffer.allocUnsafe(size + 1);
    let filled = 0;
    while (filled < buf.length) {
      const { bytesRead } = await fh.read(buf, filled, buf.length - filled, null);
      if (bytesRead === 0) return buf.subarray(0, filled);
      filled += bytesRead;
    }
    return readLocal(path); // it grew while we read: stream it instead
  } catch (err) {
    throw isTuskError(err) ? err : localError(path, err);
  } finally {
    await fh.close();
  }
}

/**
 * Maps `items` through `fn` with up to `depth` calls in flight, yielding the
 * results in order (reading the next files while the current one uploads).
 */
export async function* aheadOf<T, R>(items: AsyncIterable<T>, fn: (item: T) => Promise<R>, depth: number): AsyncGenerator<[T, R]> {
  const queue: { item: T; result: Promise<R> }[] = [];
  const it = items[Symbol.asyncIterator]();
  let done = false;
  const fill = async () => {
    while (!done && queue.length < depth) {
      const next = await it.next();
      if (next.done) {
        done = true;
        break;
      }
      const result = fn(next.value);
      result.catch(() => {}); // surfaced when its turn comes
      queue.push({ item: next.value, result });
    }
  };
  let refill: Promise<void> = fill();
  try {
    await refill;
    while (queue.length > 0) {
      const head = queue.shift()!;
      const value = await head.result;
      refill = fill();
      refill.catch(() => {}); // surfaced by the await below
      yield [head.item, value];
      await refill;
    }
  } finally {
    await refill.catch(() => {});
    if (!done) await it.return?.();
  }
}

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  EMFILE: 'too many open files',
  ELOOP: 'too many levels of symbolic links',
};

/** A local file-system failure as a one-line error naming the path. */
export function localError(path: string, err: unknown): TuskError {
  const code = (err as NodeJS.ErrnoException)?.code ?? '';
  const reason = REASONS[code] ?? (err as Error)?.message ?? String(err);
  return new TuskError(code === 'ENOENT' ? 'not_found' : 'failed_precondition', 'LocalFileError', `${path}: ${reason}`, { path, reason: code });
}
