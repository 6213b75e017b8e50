// Directories, which a tree only implies: a directory exists while some path
// lies under it, and its size is the total size of the files below it. Listing
// a directory walks its immediate files and, for each subdirectory, reads the
// subdirectory's totals from node counts and then seeks past it, so a
// subdirectory of a million files costs O(log n), not a million steps.
import { rangeStats, TreeCursor } from './cursor.js';
import { dirRange, type FileEntry, type NodeLoader, type TreeId } from './node.js';

/** A file or an implied directory. Directories have their total size and no hash. */
export interface TreeItem {
  path: string;
  type: 'file' | 'dir';
  size: number;
  hash?: string;
  /** Files only: the whole entry (content references included). */
  entry?: FileEntry;
}

export function fileItem(e: FileEntry): TreeItem {
  return { path: e.path, type: 'file', size: e.size, hash: e.hash, entry: e };
}

export async function dirItem(load: NodeLoader, root: TreeId, dir: string): Promise<TreeItem> {
  const [lo, hi] = dirRange(dir);
  return { path: dir, type: 'dir', size: (await rangeStats(load, root, lo, hi)).bytes };
}

/**
 * The immediate children of `dir` (a normalised path) in key order, where a
 * subdirectory sorts as `name/`. Yields nothing for a directory that does not exist.
 */
export async function* listDir(load: NodeLoader, root: TreeId, dir: string): AsyncGenerator<TreeItem> {
  const [lo] = dirRange(dir);
  const cursor = new TreeCursor(load, root);
  await cursor.seek(lo);
  next: for (let batch = await cursor.nextBatch(); batch; batch = await cursor.nextBatch()) {
    for (const e of batch) {
      if (!e.path.startsWith(lo)) return;
      const slash = e.path.indexOf('/', lo.length);
      if (slash < 0) {
        yield fileItem(e);
        continue;
      }
      const sub = e.path.slice(0, slash);
      yield await dirItem(load, root, sub);
      await cursor.seek(dirRange(sub)[1]); // skip the subdirectory's files
      continue next;
    }
  }
}

/** Whether some file lies under `path` (a normalised path). The root is always a directory. */
export async function isDir(load: NodeLoader, root: TreeId, path: string): Promise<boolean> {
  if (path === '/') return true;
  const [lo] = dirRange(path);
  const cursor = new TreeCursor(load, root);
  await cursor.seek(lo);
  const e = await cursor.next();
  return e !== undefined && e.path.startsWith(lo);
}
