// Reading a tree in key order: point lookups, a cursor that seeks in O(log n)
// and walks entries in order, and range statistics (files and bytes between two
// keys) that add up whole subtrees from their parents' counts instead of
// visiting them. Pure over a node lookup.
import { withEmpty } from './codec.js';
import { childIndex, entryIndex, nodeStats, type FileEntry, type InternalNode, type NodeLoader, type TreeId, type TreeNode } from './node.js';

export async function getEntry(loader: NodeLoader, root: TreeId, path: string): Promise<FileEntry | undefined> {
  const load = withEmpty(loader);
  let node = await load(root);
  while (node.kind === 'internal') {
    const i = childIndex(node.children, path);
    if (i === node.children.length) return undefined;
    node = await load(node.children[i]!.id);
  }
  const e = node.entries[entryIndex(node.entries, path)];
  return e && e.path === path ? e : undefined;
}

/** The greatest path in the tree, or undefined for an empty tree: one node load (an internal node's last key is its subtree's). */
export async function lastPath(loader: NodeLoader, root: TreeId): Promise<string | undefined> {
  const node = await withEmpty(loader)(root);
  return node.kind === 'internal' ? node.children[node.children.length - 1]?.key : node.entries[node.entries.length - 1]?.path;
}

export async function treeStats(loader: NodeLoader, root: TreeId): Promise<{ files: number; bytes: number }> {
  return nodeStats(await withEmpty(loader)(root));
}

/**
 * Nodes a cursor loads one at a time after a seek (through the loader's cache, so short walks
 * that are repeated, a prefix glob or a page, stay warm) before it starts reading ahead.
 */
const WALK_ALONE = 2;
/** Siblings a cursor reads ahead at first; the window doubles with each read up to READ_AHEAD_MAX, so a short page reads little. */
const READ_AHEAD_FIRST = 4;
const READ_AHEAD_MAX = 32;

/**
 * Walks the entries of one tree in key order; `seek` jumps in O(log n) node
 * loads. Walking on, it reads the next siblings ahead (a bounded window, in one
 * read when the loader has `many`), so a long walk does not wait for each leaf.
 * Each level keeps its own read-ahead: stepping from one leaf's parent to the
 * next must not throw away the leaves read ahead, nor read ahead siblings of
 * the parent only to drop them at the next leaf.
 */
export class TreeCursor {
  private readonly load: NodeLoader;
  private stack: { node: InternalNode; i: number }[] = [];
  private entries: readonly FileEntry[] = [];
  private i = 0;
  private done = true;
  /** The read-ahead of each level's children, by the parent's level. */
  private ahead: ReadAhead[] = [];
  private walked = 0;

  constructor(loader: NodeLoader, private readonly root: TreeId) {
    this.load = withEmpty(loader);
  }

  /** Positions the cursor at the first entry whose path is ≥ key (> key when `exclusive`). */
  async seek(key: string, exclusive = false): Promise<void> {
    this.stack = [];
    this.ahead = [];
    this.walked = 0;
    this.done = false;
    let node = await this.load(this.root);
    while (node.kind === 'internal') {
      const i = childIndex(node.children, key, exclusive);
      if (i === node.children.length) {
        this.done = true;
        return;
      }
      this.stack.push({ node, i });
      node = await this.load(node.children[i]!.id);
    }
    this.entries = node.entries;
    this.i = entryIndex(node.entries, key, exclusive);
  }

  /** The next entry, or undefined at the end of the tree. */
  async next(): Promise<FileEntry | undefined> {
    while (!this.done) {
      if (this.i < this.entries.length) return this.entries[this.i++];
      await this.nextLeaf();
    }
    return undefined;
  }

  /** The entries from the cursor to the end of the current leaf (then the next leaf's), or undefined at the end of the tree. */
  async nextBatch(): Promise<readonly FileEntry[] | undefined> {
    while (!this.done) {
      if (this.i < this.entries.length) {
        const out = this.i === 0 ? this.entries : this.entries.slice(this.i);
        this.i = this.entries.length;
        return out;
      }
      await this.nextLeaf();
    }
    return undefined;
  }

  private async nextLeaf(): Promise<void> {
    let top = this.stack[this.stack.length - 1];
    while (top && top.i + 1 >= top.node.children.length) {
      this.stack.pop();
      top = this.stack[this.stack.length - 1];
    }
    if (!top) {
      this.done = true;
      return;
    }
    top.i++;
    let node = await this.child(top.node, top.i);
    while (node.kind === 'internal') {
      this.stack.push({ node, i: 0 });
      node = await this.child(node, 0);
    }
    this.entries = node.entries;
    this.i = 0;
  }

  /** Child `i` of `parent`, walking forward: from the read-ahead of the parent's level. */
  private child(parent: InternalNode, i: number): Promise<TreeNode> {
    if (!this.load.many || ++this.walked <= WALK_ALONE) return this.load(parent.children[i]!.id);
    return (this.ahead[parent.level] ??= new ReadAhead(this.load)).take(parent, i);
  }
}

/**
 * Children of one parent read ahead of a forward walk, a window at a time
 * (doubling up to READ_AHEAD_MAX), topped up once half used. A walk that
 * moves to another parent at this level, or jumps, starts a new window.
 */
class ReadAhead {
  private readonly nodes = new Map<TreeId, Promise<TreeNode>>();
  private parent: InternalNode | undefined;
  /** Children of `parent` read ahead up to this index (exclusive). */
  private end = 0;
  private window = READ_AHEAD_FIRST;
  private lastRead = 0;

  constructor(private readonly load: NodeLoader) {}

  take(parent: InternalNode, i: number): Promise<TreeNode> {
    const id = parent.children[i]!.id;
    if (parent !== this.parent || i >= this.end) {
      this.nodes.clear();
      this.parent = parent;
      this.end = i;
      this.read();
    } else if (this.end - i <= this.lastRead / 2) this.read();
    const node = this.nodes.get(id) ?? this.load(id);
    this.nodes.delete(id);
    return node;
  }

  private read(): void {
    const children = this.parent!.children;
    const from = this.end;
    const to = Math.min(children.length, from + this.window);
    if (from >= to) return;
    this.end = to;
    this.lastRead = to - from;
    this.window = Math.min(this.window * 2, READ_AHEAD_MAX);
    const ids = children.slice(from, to).map((c) => c.id);
    const all = this.load.many!(ids);
    ids.forEach((id, k) => {
      const node = all.then((nodes) => nodes[k]!, () => this.load(id)); // a failed read: each node alone, with its own error
      node.catch(() => undefined); // seen when taken; one never taken is no unhandled rejection
      this.nodes.set(id, node);
    });
  }
}

/** Entries in key order from `start` (inclusive, or exclusive) while their path starts with `prefix`. */
export async function* scanFrom(load: NodeLoader, root: TreeId, prefix: string, start: string, exclusive: boolean): AsyncGenerator<FileEntry> {
  const cursor = new TreeCursor(load, root);
  await cursor.seek(start, exclusive);
  for (let batch = await cursor.nextBatch(); batch; batch = await cursor.nextBatch()) {
    for (const e of batch) {
      if (!e.path.startsWith(prefix)) return;
      yield e;
    }
  }
}

/** Files and bytes with lo ≤ path < hi, in O(log n) node loads. */
export async function rangeStats(loader: NodeLoader, root: TreeId, lo: string, hi: string): Promise<{ files: number; bytes: number }> {
  const load = withEmpty(loader);
  const sum = { files: 0, bytes: 0 };
  // `after`: every key of `id` is greater than it ('' for the leftmost node)
  const visit = async (id: TreeId, after: string): Promise<void> => {
    const node = await load(id);
    if (node.kind === 'leaf') {
      for (let i = entryIndex(node.entries, lo); i < node.entries.length; i++) {
        const e = node.entries[i]!;
        if (e.path >= hi) break;
        sum.files++;
        sum.bytes += e.size;
      }
      return;
    }
    const children = node.children;
    for (let i = childIndex(children, lo); i < children.length; i++) {
      const c = children[i]!;
      const cAfter = i === 0 ? after : children[i - 1]!.key;
      if (cAfter >= hi) break;
      if (cAfter >= lo && c.key < hi) {
        sum.files += c.files;
        sum.bytes += c.bytes;
      } else await visit(c.id, cAfter);
    }
  };
  await visit(root, '');
  return sum;
}
