// FileTree: content-addressed file trees over a BlobStore. It checks input,
// loads nodes (through an LRU of decoded nodes, verifying each node's bytes
// against its ID) and stores new ones; all tree logic lives in the pure
// modules it calls. It never flushes the BlobStore: callers flush when they
// need what was written to be durable.
import type { BlobStore } from '../storage/blob-store.js';
import { decodeNode, EMPTY_NODE, EMPTY_TREE, type EncodedNode, type NodeDetail } from './codec.js';
import { getEntry, lastPath, rangeStats, scanFrom, treeStats } from './cursor.js';
import { diffTrees, type DiffEntry } from './diff.js';
import { checkEntry, treePath } from './entry.js';
import { globTree, type GlobWalkOptions } from './glob.js';
import { isDir, listDir, listDirBatches, listedItem, type TreeItem } from './list.js';
import { applyPlan, buildSorted, planMutations, sortEntries, type Mutation } from './mutate.js';
import { NodeCache } from './node-cache.js';
import { dirRange, type FileEntry, type NodeLoader, type TreeId, type TreeNode } from './node.js';
import { normalizePath } from './path.js';
import { walkContent, walkReachable, type ReachableSource, type ReachableVisitor } from './reachable.js';
import type { FileContent } from '../storage/content.js';

/** apply() caches the nodes it stored when it applies at most this many mutations (see store). */
const CACHE_WRITTEN_MUTATIONS = 64;

export interface FileTreeOptions {
  /** Decoded nodes kept in memory (default 2048; 0 turns the cache off). */
  cacheNodes?: number;
}

export class FileTree {
  private readonly cache: NodeCache;
  /**
   * Nodes being read and decoded, by ID: loads of a node not cached yet share one (the lookups of a
   * worker's next tasks ask for the same leaf dozens of times at once, and each read and decoded it).
   */
  private readonly loading = new Map<TreeId, Promise<TreeNode>>();
  private readonly load: NodeLoader = Object.assign((id: TreeId) => this.loadNode(id), { many: (ids: readonly TreeId[]) => this.loadNodes(ids, 'full') });
  /**
   * For listings (listDir, listDirBatches), which show no file's data: the leaves they read ahead
   * are decoded without their data references ('listing' detail). Those nodes are never cached
   * and never leave the listing (its items carry no `entry`); nodes loaded one at a time come
   * from the cache, whole.
   */
  /** As load, but a node read from the store is not put in the cache (a large apply's: see apply). */
  private readonly loadPassing: NodeLoader = Object.assign((id: TreeId) => this.loadNode(id, false), { many: (ids: readonly TreeId[]) => this.loadNodes(ids, 'full') });
  private readonly listLoad: NodeLoader = Object.assign((id: TreeId) => this.loadNode(id), { many: (ids: readonly TreeId[]) => this.loadNodes(ids, 'listing') });

  constructor(private readonly blobs: BlobStore, options: FileTreeOptions = {}) {
    this.cache = new NodeCache(options.cacheNodes ?? 2048);
  }

  /**
   * Builds a tree from entries in any order; of two entries with the same path
   * the later one wins. Holds the entries in memory while sorting them, and
   * keeps them (by reference, in cached nodes) afterwards: do not mutate them.
   * Entries this class returns are shared the same way and are read-only too.
   * Throws InvalidPath or InvalidFileEntry.
   */
  async build(entries: AsyncIterable<FileEntry> | Iterable<FileEntry>): Promise<TreeId> {
    const all: FileEntry[] = [];
    if (Symbol.asyncIterator in entries) for await (const e of entries) all.push(checkEntry(e));
    else for (const e of entries) all.push(checkEntry(e));
    const { root } = await buildSorted(sortEntries(all), this.load, (nodes) => this.store(nodes, false));
    return root;
  }

  /**
   * Applies a batch of mutations as if one after another in array order, in one
   * pass over the tree. Throws InvalidPath, InvalidFileEntry, ObjectNotFound, CorruptObject.
   */
  async apply(root: TreeId, mutations: Mutation[]): Promise<{ root: TreeId; nodesWritten: number }> {
    // A commit of a few files caches what it writes (see store) and the nodes it reads; a large batch does
    // neither, so that a put of many files does not keep its last 2048 leaves in memory, nor the nodes of the
    // overlay it folds each batch into, replaced at once (a put of 1M tiny files kept ~300 of those, ~10 MB).
    const cache = mutations.length <= CACHE_WRITTEN_MUTATIONS;
    return applyPlan(root, planMutations(mutations), cache ? this.load : this.loadPassing, (nodes) => this.store(nodes, cache));
  }

  /** The entry at `path`, or undefined. Throws InvalidPath. */
  async get(root: TreeId, path: string): Promise<FileEntry | undefined> {
    const p = normalizePath(path);
    return p === '/' ? undefined : getEntry(this.load, root, treePath(p));
  }

  /** Entries in path order whose path starts with `prefix` (a plain string prefix) and, with `after`, is greater than it. */
  async *scan(root: TreeId, options: { prefix?: string; after?: string } = {}): AsyncIterable<FileEntry> {
    const prefix = options.prefix ?? '';
    const after = options.after;
    if (after !== undefined && after >= prefix) yield* scanFrom(this.load, root, prefix, after, true);
    else yield* scanFrom(this.load, root, prefix, prefix, false);
  }

  /**
   * The files and implied subdirectories directly in `dir`, in key order (a
   * directory sorts as `name/`), one leaf's worth per batch; with `after`, only
   * those whose key is greater. Nothing if `dir` does not exist. Items carry
   * no `entry` (a listing reads no file's data references). Throws InvalidPath.
   */
  listDirBatches(root: TreeId, dir: string, options: { after?: string } = {}): AsyncIterable<TreeItem[]> {
    return listDirBatches(this.listLoad, root, normalizePath(dir), options.after, listedItem);
  }

  /** As listDirBatches, one item at a time. Throws InvalidPath. */
  listDir(root: TreeId, dir: string, options: { after?: string } = {}): AsyncIterable<TreeItem> {
    return listDir(this.listLoad, root, normalizePath(dir), options.after, listedItem);
  }

  /** Files and total bytes under directory `dir`, from node counts in O(log n). Throws InvalidPath. */
  dirStats(root: TreeId, dir: string): Promise<{ files: number; bytes: number }> {
    const [lo, hi] = dirRange(normalizePath(dir));
    return rangeStats(this.load, root, lo, hi);
  }

  /** Whether some file lies under `path`; the root is always a directory. Throws InvalidPath. */
  isDir(root: TreeId, path: string): Promise<boolean> {
    return isDir(this.load, root, normalizePath(path));
  }

  /** Files and implied directories matching a Pachyderm-style glob, in path order. Throws InvalidGlob, or the signal's reason once it aborts. */
  glob(root: TreeId, pattern: string, options: GlobWalkOptions = {}): AsyncIterable<TreeItem> {
    return globTree(this.load, root, pattern, options);
  }

  /** Changes from `a` to `b`, sorted by path, optionally only for paths starting with `prefix`. */
  diff(a: TreeId, b: TreeId, options: { prefix?: string } = {}): AsyncIterable<DiffEntry> {
    return diffTrees(this.load, a, b, options.prefix ?? '');
  }

  /** The greatest path in the tree (undefined when it is empty), from the root node alone. */
  lastPath(root: TreeId): Promise<string | undefined> {
    return lastPath(this.load, root);
  }

  /** Files and total bytes in the tree, from the root node alone. */
  stats(root: TreeId): Promise<{ files: number; bytes: number }> {
    return treeStats(this.load, root);
  }

  /**
   * Walks every node, ref-list blob and chunk the trees `roots` reach (reachable.ts), skipping
   * what `seen` holds. With `stored`, each node and ref-list blob loaded is also reported with its
   * stored size (read past the node cache, so the walk does not evict what readers use).
   */
  walk(roots: Iterable<TreeId>, visit: ReachableVisitor & { stored?(id: string, bytes: number): void }, seen?: Set<string>): Promise<void> {
    return walkReachable(this.walkSource(visit), roots, visit, seen);
  }

  /** As walk(), for one file's content (a multipart part, say) instead of a tree. */
  walkContent(content: FileContent, path: string, visit: ReachableVisitor & { stored?(id: string, bytes: number): void }, seen?: Set<string>): Promise<void> {
    return walkContent(this.walkSource(visit), content, path, visit, seen);
  }

  private walkSource(visit: { stored?(id: string, bytes: number): void }): ReachableSource {
    const stored = visit.stored;
    return {
      loadNode: async (id) => {
        if (!stored) return this.loadNode(id);
        const bytes = await this.blobs.get(id);
        stored(id, bytes.length);
        return decodeNode(bytes, id);
      },
      loadBlob: async (id) => {
        const bytes = await this.blobs.get(id);
        stored?.(id, bytes.length);
        return bytes;
      },
    };
  }

  /**
   * The node as stored, past every cache (fsck): read from the object store and checked against
   * its ID. Throws ObjectNotFound if no node has this ID, CorruptObject if its bytes do not match it.
   */
  async storedNode(id: TreeId): Promise<TreeNode> {
    if (id === EMPTY_TREE) return EMPTY_NODE;
    return decodeNode(await (this.blobs.getStored ? this.blobs.getStored(id) : this.blobs.get(id)), id);
  }

  /** A ref-list blob as stored, past every cache (fsck). Throws ObjectNotFound, CorruptObject. */
  storedBlob(id: string): Promise<Uint8Array> {
    return this.blobs.getStored ? this.blobs.getStored(id) : this.blobs.get(id);
  }

  /** Throws ObjectNotFound if no node has this ID, CorruptObject if its bytes do not match it. */
  private async loadNode(id: TreeId, keep = true): Promise<TreeNode> {
    if (id === EMPTY_TREE) return EMPTY_NODE;
    const cached = this.cache.get(id);
    if (cached) return cached;
    // Lookups that ask at once for a node not cached share one read and decode; each keeps it or not.
    let loading = this.loading.get(id);
    if (!loading) {
      loading = this.blobs.get(id).then((bytes) => decodeNode(bytes, id));
      this.loading.set(id, loading);
      const done = () => this.loading.delete(id);
      loading.then(done, done);
    }
    const node = await loading;
    if (keep) this.cache.set(id, node);
    return node;
  }

  /**
   * As loadNode for each ID, reading the ones not cached together (BlobStore.getMany). A walk
   * reads ahead with it: the nodes it reads are not cached, so a long walk neither evicts the
   * nodes others use nor keeps every leaf it passed alive until evicted (which made most of a
   * big listing's time garbage collection).
   */
  private async loadNodes(ids: readonly TreeId[], detail: NodeDetail): Promise<TreeNode[]> {
    const out: TreeNode[] = new Array(ids.length);
    const missing: number[] = [];
    ids.forEach((id, i) => {
      const cached = id === EMPTY_TREE ? EMPTY_NODE : this.cache.get(id);
      if (cached) out[i] = cached;
      else missing.push(i);
    });
    if (missing.length === 0) return out;
    if (!this.blobs.getMany) return Promise.all(ids.map((id) => this.loadNode(id)));
    const bytes = await this.blobs.getMany(missing.map((i) => ids[i]!));
    missing.forEach((i, k) => {
      out[i] = decodeNode(bytes[k]!, ids[i]!, detail);
    });
    return out;
  }

  /**
   * Stores built nodes, and (`cache`: those of a small apply(), not a whole new tree's nor a large batch's) caches those whose bytes are the ones stored. A node's ID covers its
   * paths, sizes and hashes, not where its bytes are, so an ID already stored keeps its first bytes
   * (the blob store skips the put) and a freshly built node may name other chunks (the same bytes
   * written again, sliced differently): caching that one would make reads and the collector's mark
   * see chunks the stored node does not name, and the collector free the ones it does. A node this
   * put stored is cached: the next commit on a branch starts from it (a stream of S3 PUTs, one
   * commit each, decoded the leaf it had just written, and cached that copy, which the commit after
   * it replaced: the cache filled with old versions of leaves, ~100 MB of live heap for 2000 PUTs
   * into one folder, each decoded anew instead of sharing the entries of the one before).
   */
  private async store(nodes: EncodedNode[], cache: boolean): Promise<void> {
    await Promise.all(
      nodes.map(async (n) => {
        if ((await this.blobs.put(n.id, n.bytes)) && cache) this.cache.set(n.id, n.node);
      }),
    );
  }
}
