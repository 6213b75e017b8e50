// Reading the local side of a transfer: walking a folder for `put file -r`
// (sorted, following symbolic links but never around a loop, skipping
// sockets and pipes) and streaming files without holding them in memory.
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { TuskError } from '../errors/index.js';

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

/** A stream of the file's bytes in pieces of up to 1 MiB; read errors become one-line TuskErrors. */
export async function* readLocal(path: string): AsyncGenerator<Uint8Array> {
  const stream = createReadStream(path, { highWaterMark: 1024 * 1024 });
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } catch (err) {
    throw localError(path, err);
  } finally {
    stream.destroy();
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
