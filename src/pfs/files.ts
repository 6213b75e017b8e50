// Reading files of a commit: get (streamed), inspect, list a directory, glob,
// and diff two commits. All reads of a branch see its last finished commit.
import { FileDataLoss, FileNotFound, isTuskError, NotAFile } from '../errors/index.js';
import { EMPTY_TREE, joinPath, normalizePath, type FileEntry, type TreeItem } from '../tree/index.js';
import { parseRef } from './ref.js';
import type { Commits } from './commits.js';
import type { PfsContext } from './context.js';
import type { PieceStream } from './deps.js';
import type { CommitRecord } from './records.js';

export interface FileInfo {
  path: string;
  type: 'file' | 'dir';
  sizeBytes: number;
  hash: string;
  commit: string;
}

export type Change = 'added' | 'modified' | 'deleted';

export interface FileDiff {
  path: string;
  change: Change;
  sizeBytes: number;
  oldSizeBytes: number;
}

export class Files {
  constructor(private readonly ctx: PfsContext, private readonly commits: Commits) {}

  /** The commit a read of `ref` sees, and the path it names ('/' when none). */
  async target(ref: string): Promise<{ commit: CommitRecord; path: string }> {
    const parsed = parseRef(ref);
    const commit = await this.commits.resolve(parsed, parsed.isId ? 'head' : 'read');
    return { commit, path: parsed.path ?? '/' };
  }

  async entry(commit: CommitRecord, path: string): Promise<FileEntry> {
    const entry = await this.ctx.deps.tree.get(commit.tree, path);
    if (entry) return entry;
    if (path !== '/' && (await this.ctx.deps.tree.isDir(commit.tree, path))) throw new NotAFile(path, 'is a directory, not a file');
    throw new FileNotFound(path, `${commit.repo}@${commit.id}`);
  }

  /**
   * Streams a file's bytes (or a range of them). With `reuse`, each piece is valid only until the
   * next is asked for, or until the promise passed to that next() settles (see ContentStore.readReusing):
   * for a consumer that writes each piece before it asks for more, or tells when it has.
   */
  async get(ref: string, range?: { offset: number; length: number }, options: { reuse?: boolean } = {}): Promise<{ entry: FileEntry; data: PieceStream }> {
    const { commit, path } = await this.target(ref);
    const entry = await this.entry(commit, path);
    const content = this.ctx.deps.content;
    const data = options.reuse && content.readReusing ? content.readReusing(entry.content, range) : content.read(entry.content, range);
    return { entry, data: namingLoss(data, `${commit.repo}@${commit.id}:${entry.path}`) };
  }

  /**
   * Every file under the folder `ref` names (or that one file), in path order, all read at one commit;
   * `read` streams a file's bytes as get() does (one file's at a time). Throws FileNotFound.
   */
  async *getTree(ref: string): AsyncIterable<{ entry: FileEntry; read: () => PieceStream }> {
    const { commit, path: named } = await this.target(ref);
    const path = normalizePath(named);
    const tree = this.ctx.deps.tree;
    const content = this.ctx.deps.content;
    const read = (entry: FileEntry) => () => namingLoss(content.read(entry.content), `${commit.repo}@${commit.id}:${entry.path}`);
    const file = await tree.get(commit.tree, path);
    if (file) {
      yield { entry: file, read: read(file) };
      return;
    }
    if (path !== '/' && !(await tree.isDir(commit.tree, path))) throw new FileNotFound(path, `${commit.repo}@${commit.id}`);
    for await (const entry of tree.scan(commit.tree, { prefix: path === '/' ? '/' : `${path}/` })) yield { entry, read: read(entry) };
  }

  async inspect(ref: string): Promise<FileInfo> {
    const { commit, path } = await this.target(ref);
    const entry = await this.ctx.deps.tree.get(commit.tree, path);
    if (entry) return fileInfo(entry, commit.id);
    if (path === '/' || (await this.ctx.deps.tree.isDir(commit.tree, path))) {
      const { bytes } = await this.ctx.deps.tree.dirStats(commit.tree, path);
      return { path, type: 'dir', sizeBytes: bytes, hash: '', commit: commit.id };
    }
    throw new FileNotFound(path, `${commit.repo}@${commit.id}`);
  }

  /**
   * The children of a directory (a file lists as itself) in listing order (a
   * folder sorts as `NAME/`), in batches as the tree's leaves give them, one
   * page of them with `page`. Throws FileNotFound, InvalidPath.
   */
  async *listBatches(ref: string, page: Page = {}): AsyncIterable<FileInfo[]> {
    const { commit, path } = await this.target(ref);
    const tree = this.ctx.deps.tree;
    const entry = path === '/' ? undefined : await tree.get(commit.tree, path);
    if (entry) {
      const after = await this.afterKey(commit, path, page.startAfter);
      if ((page.limit ?? 1) > 0 && (after === undefined || entry.path > after)) yield [fileInfo(entry, commit.id)];
      return;
    }
    if (path !== '/' && !(await tree.isDir(commit.tree, path))) throw new FileNotFound(path, `${commit.repo}@${commit.id}`);
    let left = page.limit ?? Infinity;
    if (left <= 0) return;
    const after = await this.afterKey(commit, path, page.startAfter);
    for await (const items of tree.listDirBatches(commit.tree, path, after === undefined ? {} : { after })) {
      const batch = (items.length > left ? items.slice(0, left) : items).map((item) => itemInfo(item, commit.id));
      yield batch;
      left -= batch.length;
      if (left <= 0) return;
    }
  }

  /** As listBatches, one entry at a time. */
  async *list(ref: string, page: Page = {}): AsyncIterable<FileInfo> {
    for await (const batch of this.listBatches(ref, page)) yield* batch;
  }

  /**
   * Files and directories matching `pattern` in listing order, one page of them
   * with `page`; stops (throwing the signal's reason) once `signal` aborts.
   * Throws InvalidGlob, InvalidPath.
   */
  async *glob(ref: string, pattern: string, signal?: AbortSignal, page: Page = {}): AsyncIterable<FileInfo> {
    const { commit } = await this.target(ref);
    let left = page.limit ?? Infinity;
    if (left <= 0) return;
    const after = await this.afterKey(commit, '/', page.startAfter);
    for await (const m of this.ctx.deps.tree.glob(commit.tree, pattern, { ...(signal ? { signal } : {}), ...(after === undefined ? {} : { after }) })) {
      yield itemInfo(m, commit.id);
      if (--left <= 0) return;
    }
  }

  /**
   * The tree key a listing starts after: `startAfter` (relative to `dir` unless
   * absolute) as a path, with '/' after it when it names a folder (given with
   * a trailing '/', or a folder that is not also a file). Throws InvalidPath.
   */
  private async afterKey(commit: CommitRecord, dir: string, startAfter: string | undefined): Promise<string | undefined> {
    if (!startAfter) return undefined;
    const path = startAfter.startsWith('/') ? normalizePath(startAfter) : joinPath(dir, startAfter);
    if (path === '/') return '/';
    if (startAfter.endsWith('/')) return path + '/';
    const tree = this.ctx.deps.tree;
    if (!(await tree.get(commit.tree, path)) && (await tree.isDir(commit.tree, path))) return path + '/';
    return path;
  }

  /** What changed from `oldRef` (default: the new commit's parent) to `newRef`. */
  async *diff(newRef: string, oldRef?: string): AsyncIterable<FileDiff> {
    const { commit: newer, path } = await this.target(newRef);
    let oldTree = EMPTY_TREE;
    if (oldRef) oldTree = (await this.target(oldRef)).commit.tree;
    else if (newer.parentId) oldTree = (await this.commits.mustGet(newer.repo, newer.parentId)).tree;
    const prefix = path === '/' ? undefined : path;
    for await (const d of this.ctx.deps.tree.diff(oldTree, newer.tree, prefix ? { prefix } : undefined)) {
      if (prefix && d.path !== prefix && !d.path.startsWith(`${prefix}/`)) continue;
      const change: Change = !d.before ? 'added' : !d.after ? 'deleted' : 'modified';
      yield { path: d.path, change, sizeBytes: d.after?.size ?? 0, oldSizeBytes: d.before?.size ?? 0 };
    }
  }
}

/** One page of a listing: at most `limit` entries (none: all), those after the path `startAfter`. */
export interface Page {
  limit?: number;
  startAfter?: string;
}

function itemInfo(item: TreeItem, commit: string): FileInfo {
  return { path: item.path, type: item.type, sizeBytes: item.size, hash: item.hash ?? '', commit };
}

export function fileInfo(entry: FileEntry, commit: string): FileInfo {
  return { path: entry.path, type: 'file', sizeBytes: entry.size, hash: entry.hash, commit };
}

/**
 * A committed file's bytes, where a chunk that is damaged (CorruptObject) or whose pack is gone
 * (ObjectNotFound) fails as FileDataLoss naming the file, not the pack alone.
 */
async function* namingLoss(data: AsyncIterable<Uint8Array> | PieceStream, file: string): PieceStream {
  try {
    yield* data;
  } catch (err) {
    if (isTuskError(err) && (err.kind === 'data_loss' || err.code === 'ObjectNotFound')) {
      throw new FileDataLoss(file, typeof err.data.key === 'string' ? err.data.key : 'unknown object', typeof err.data.reason === 'string' ? err.data.reason : err.message);
    }
    throw err;
  }
}
