// Directories, which a tree only implies: a directory exists while some path
// lies under it, and its size is the total size of the files below it. Listing
// a directory walks its immediate files and, for each subdirectory, reads the
// subdirectory's totals from node counts and then seeks past it, so a
// subdirectory of a million files costs O(log n), not a million steps.
// Listings run in key order, where a directory sorts as `name/`; a listing
// can start after any key (paging), seeking to it instead of walking there.
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

/** A file as a listing shows it, without its entry (for leaves decoded with 'listing' detail, which have no data references). */
export function listedItem(e: FileEntry): TreeItem {
  return { path: e.path, type: 'file', size: e.size, hash: e.hash };
}

export async function dirItem(load: NodeLoader, root: TreeId, dir: string): Promise<TreeItem> {
  const [lo, hi] = dirRange(dir);
  return { path: dir, type: 'dir', size: (await rangeStats(load, root, lo, hi)).bytes };
}

/** An item's place in listing order: its path, a directory's with '/' after it. */
export function itemKey(item: TreeItem): string {
  return item.type === 'dir' && item.path !== '/' ? item.path + '/' : item.path;
}

/**
 * The immediate children of `dir` (a normalised path) in key order, where a
 * subdirectory sorts as `name/`, each batch one leaf's worth; with `after`,
 * only those whose key is greater. Yields nothing for a directory that does not exist.
 * `item` makes a file's item (listedItem leaves the entry out).
 */
export async function* listDirBatches(load: NodeLoader, root: TreeId, dir: string, after?: string, item: (e: FileEntry) => TreeItem = fileItem): AsyncGenerator<TreeItem[]> {
  const [lo] = dirRange(dir);
  const cursor = new TreeCursor(load, root);
  if (after !== undefined && after >= lo) await cursor.seek(after, true);
  else await cursor.seek(lo);
  let out: TreeItem[] = [];
  next: for (let batch = await cursor.nextBatch(); batch; batch = await cursor.nextBatch()) {
    for (const e of batch) {
      if (!e.path.startsWith(lo)) break next;
      const slash = e.path.indexOf('/', lo.length);
      if (slash < 0) {
        out.push(item(e));
        continue;
      }
      const sub = e.path.slice(0, slash);
      if (after === undefined || sub + '/' > after) out.push(await dirItem(load, root, sub));
      await cursor.seek(dirRange(sub)[1]); // skip the subdirectory's files
      if (out.length > 0) yield out;
      out = [];
      continue next;
    }
    if (out.length > 0) yield out;
    out = [];
  }
  if (out.length > 0) yield out;
}

/** As listDirBatches, one item at a time. */
export async function* listDir(load: NodeLoader, root: TreeId, dir: string, after?: string, item: (e: FileEntry) => TreeItem = fileItem): AsyncGenerator<TreeItem> {
  for await (const batch of listDirBatches(load, root, dir, after, item)) yield* batch;
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
