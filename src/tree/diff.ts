// The difference between two trees, in key order, visiting only what differs.
//
// Each side is a frontier: a stack of not-yet-compared items in key order,
// each a whole subtree (by ID) or a single entry. While both sides show the
// same subtree ID it is skipped unread; otherwise the side showing the higher
// subtree (or both, at equal height) is opened one level, and entries are
// merged by path. Since node boundaries depend on keys only, the two trees'
// nodes line up again right after each change, so the diff costs
// O(changes · log n) node loads, not O(n). Pure over a node lookup.
import { sameBytes } from '../storage/content.js';
import { withEmpty } from './codec.js';
import type { FileEntry, NodeLoader, TreeId, TreeNode } from './node.js';

/**
 * A change between two trees. Added: no `before`; deleted: no `after`; modified: both, and their bytes
 * differ (storage sameBytes: a large file hashed by its bytes in an older commit and by its chunks in a
 * newer one is unchanged if it is made of the same chunks).
 */
export interface DiffEntry {
  path: string;
  before?: FileEntry;
  after?: FileEntry;
}

type Item =
  | { ref: true; id: TreeId; level: number; key: string | null; after: string }
  | { ref: false; entry: FileEntry };

class Frontier {
  private readonly stack: Item[];
  constructor(private readonly load: NodeLoader, root: TreeId, height: number) {
    this.stack = [{ ref: true, id: root, level: height, key: null, after: '' }];
  }

  /**
   * The next item that may hold keys starting with `prefix`, dropping whole
   * subtrees and entries before the prefix; undefined when the rest lies beyond
   * it (or the tree ends).
   */
  head(prefix: string): Item | undefined {
    const s = this.stack;
    for (;;) {
      const top = s[s.length - 1];
      if (!top) return undefined;
      if (top.ref) {
        if (top.key !== null && top.key < prefix) s.pop();
        else if (top.after >= prefix && !top.after.startsWith(prefix)) return undefined;
        else return top;
      } else {
        const p = top.entry.path;
        if (p < prefix) s.pop();
        else if (!p.startsWith(prefix)) return undefined;
        else return top;
      }
    }
  }

  pop(): void {
    this.stack.pop();
  }

  /** Replaces the subtree on top by its children (or entries); returns the node it opened. */
  async open(): Promise<TreeNode> {
    const top = this.stack.pop() as Item & { ref: true };
    const node = await this.load(top.id);
    if (node.kind === 'leaf') {
      for (let i = node.entries.length - 1; i >= 0; i--) this.stack.push({ ref: false, entry: node.entries[i]! });
      return node;
    }
    const c = node.children;
    for (let i = c.length - 1; i >= 0; i--) {
      this.stack.push({ ref: true, id: c[i]!.id, level: node.level - 1, key: c[i]!.key, after: i === 0 ? top.after : c[i - 1]!.key });
    }
    return node;
  }
}

/**
 * Node reads for one diff: a read can be started early (prefetch) and is
 * handed over once when the walk gets to it, so the reads of one level are in
 * flight together instead of one after another.
 */
class Reads {
  private readonly started = new Map<TreeId, Promise<TreeNode>>();
  constructor(private readonly load: NodeLoader) {}

  readonly take: NodeLoader = (id) => {
    const p = this.started.get(id);
    if (!p) return this.load(id);
    this.started.delete(id);
    return p;
  };

  /** Starts reading `id` (unless already started) and returns the read, which stays to be taken. */
  start(id: TreeId): Promise<TreeNode> {
    let p = this.started.get(id);
    if (!p) {
      p = this.load(id);
      p.catch(() => undefined); // reported when taken
      this.started.set(id, p);
    }
    return p;
  }

  /**
   * Both sides opened a node at the same level: the children only one side has
   * are the ones the walk will open next (those in the prefix's range).
   */
  prefetch(x: TreeNode, y: TreeNode, prefix: string): void {
    if (x.kind !== 'internal' || y.kind !== 'internal') return;
    for (const [one, other] of [[x, y], [y, x]] as const) {
      const shared = new Set(other.children.map((c) => c.id));
      one.children.forEach((c, i) => {
        const after = i === 0 ? '' : one.children[i - 1]!.key;
        if (shared.has(c.id) || c.key < prefix || (after >= prefix && !after.startsWith(prefix))) return;
        this.start(c.id);
      });
    }
  }
}

/** Changes from tree `a` to tree `b` for paths starting with `prefix` ('' for all), sorted by path. */
export async function* diffTrees(loader: NodeLoader, a: TreeId, b: TreeId, prefix = ''): AsyncGenerator<DiffEntry> {
  if (a === b) return;
  const load = withEmpty(loader);
  const reads = new Reads(load);
  const [ra, rb] = await Promise.all([reads.start(a), reads.start(b)]);
  reads.prefetch(ra, rb, prefix);
  const A = new Frontier(reads.take, a, ra.level);
  const B = new Frontier(reads.take, b, rb.level);
  for (;;) {
    const x = A.head(prefix);
    const y = B.head(prefix);
    if (!x && !y) return;
    if (x && y && x.ref && y.ref) {
      if (x.id === y.id) {
        A.pop(); // the same subtree on both sides: nothing differs in it
        B.pop();
        continue;
      }
      if (x.level === y.level) {
        const [nx, ny] = await Promise.all([A.open(), B.open()]);
        reads.prefetch(nx, ny, prefix);
      }
      else if (x.level > y.level) await A.open();
      else await B.open();
      continue;
    }
    if (x?.ref) {
      await A.open();
      continue;
    }
    if (y?.ref) {
      await B.open();
      continue;
    }
    // only entries (or one side ended)
    const ea = x?.entry;
    const eb = y?.entry;
    if (ea && (!eb || ea.path < eb.path)) {
      A.pop();
      yield { path: ea.path, before: ea };
    } else if (eb && (!ea || eb.path < ea.path)) {
      B.pop();
      yield { path: eb.path, after: eb };
    } else if (ea && eb) {
      A.pop();
      B.pop();
      if (!sameBytes(ea.content, eb.content)) yield { path: ea.path, before: ea, after: eb };
    }
  }
}
