// TreeWriter: turns a stream of items, in key order, into prolly-tree nodes.
//
// It keeps one open node per level. Entries go in at level 0; when an item
// whose key is a boundary at that level is followed by another item, the open
// node is closed, encoded and its ChildRef goes in one level up. A caller that
// walks an existing tree may hand in a whole unchanged node instead of its
// items (`placeNode`), which is allowed only where the new tree has a node
// boundary at every level up to that node's: this is how an update reuses the
// untouched parts of a tree. `finish` closes what is open and returns the root.
//
// Finished nodes wait in `outbox` for the caller to store them. A new internal
// node with a single child is held back until `finish`, because the chain of
// single-child nodes above the real root is not part of the tree.
import { encodeNode, type EncodedNode } from './codec.js';
import { isBoundary, type ChildRef, type FileEntry, type NodeLoader, type TreeNode } from './node.js';

type Item = FileEntry | ChildRef;

interface OpenNode {
  items: Item[];
  /** The last item is a boundary: the node closes as soon as another item arrives at this level. */
  ends: boolean;
}

export interface RootRef {
  ref: ChildRef;
  /** The level of the node `ref` points to. */
  level: number;
}

export class TreeWriter {
  /** Finished nodes that the caller must store, in the order they were finished. */
  outbox: EncodedNode[] = [];
  /** Nodes handed to the outbox so far (not counting `known` ones). */
  written = 0;
  private readonly open: OpenNode[] = [];
  private top = -1;
  private readonly held = new Map<string, EncodedNode>();
  private readonly created = new Set<string>();

  /** `known`: IDs of nodes that exist already (an update's visited nodes); finishing one again writes nothing. */
  constructor(private readonly known: ReadonlySet<string> = new Set()) {}

  addEntry(entry: FileEntry): void {
    this.push(0, entry, entry.path);
  }

  /**
   * Places an existing, unchanged node of `level` whose last key is a boundary at
   * that level, if the new tree has a node boundary here at every level ≤ `level`.
   * Returns false (and places nothing) otherwise: the caller must then add the
   * node's contents instead.
   */
  placeNode(level: number, ref: ChildRef): boolean {
    if (!isBoundary(ref.key, level)) return false;
    for (let l = 0; l <= level; l++) {
      const o = this.open[l];
      if (!o || o.items.length === 0) continue;
      if (!o.ends) return false;
      this.close(l); // a boundary item is last: the next item starts a new node anyway
    }
    this.push(level + 1, ref, ref.key);
    return true;
  }

  /** Closes every open node and returns the root, or undefined for an empty tree. `load` finds existing nodes. */
  async finish(load: NodeLoader): Promise<RootRef | undefined> {
    let root: RootRef | undefined;
    for (let l = 0; l <= this.top; l++) {
      const o = this.open[l];
      if (!o || o.items.length === 0) continue;
      if (l === this.top && l > 0 && o.items.length === 1) {
        root = { ref: o.items[0] as ChildRef, level: l - 1 };
        break;
      }
      this.close(l);
    }
    if (!root) return undefined;
    // A tree's root is the only node of the lowest level that has one node: drop single-child nodes above it.
    while (root.level > 0) {
      const held = this.held.get(root.ref.id);
      if (!held && this.created.has(root.ref.id)) break; // a new node with two or more children
      const node: TreeNode = held ? held.node : await load(root.ref.id);
      if (node.kind !== 'internal' || node.children.length !== 1) break;
      this.held.delete(root.ref.id);
      root = { ref: node.children[0]!, level: root.level - 1 };
    }
    for (const enc of this.held.values()) this.emit(enc);
    this.held.clear();
    return root;
  }

  /** Takes the finished nodes out of the outbox. */
  take(): EncodedNode[] {
    const out = this.outbox;
    this.outbox = [];
    return out;
  }

  private push(level: number, item: Item, key: string): void {
    let o = this.open[level];
    if (!o) o = this.open[level] = { items: [], ends: false };
    else if (o.ends) this.close(level);
    o.items.push(item);
    o.ends = isBoundary(key, level);
    if (level > this.top) this.top = level;
  }

  private close(level: number): void {
    const o = this.open[level]!;
    const items = o.items;
    o.items = [];
    o.ends = false;
    let node: TreeNode;
    let files = 0;
    let bytes = 0;
    let key: string;
    if (level === 0) {
      const entries = items as FileEntry[];
      node = { kind: 'leaf', level: 0, entries };
      files = entries.length;
      for (const e of entries) bytes += e.size;
      key = entries[entries.length - 1]!.path;
    } else {
      const children = items as ChildRef[];
      node = { kind: 'internal', level, children };
      for (const c of children) {
        files += c.files;
        bytes += c.bytes;
      }
      key = children[children.length - 1]!.key;
    }
    const enc = encodeNode(node);
    this.created.add(enc.id);
    if (node.kind === 'internal' && node.children.length === 1) this.held.set(enc.id, enc);
    else this.emit(enc);
    this.push(level + 1, { key, id: enc.id, files, bytes }, key);
  }

  private emit(enc: EncodedNode): void {
    if (this.known.has(enc.id)) return;
    this.outbox.push(enc);
    this.written++;
  }
}
