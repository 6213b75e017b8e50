// Building and updating trees: pure over a node lookup and a node sink.
//
// An update is a batch of mutations, first reduced to an EditPlan: one final
// put or delete per path (later mutations win) and a sorted list of deleted key
// ranges (directories). The walk then goes down the old tree in key order. A
// subtree that no edit touches is handed to the TreeWriter whole (reused by ID)
// when the new tree has a node boundary just before it; a subtree entirely
// inside a deleted range is dropped unread; everything else is descended, and
// leaves are merged with their edits item by item. Because a node ends where a
// key is a boundary, the new nodes resync with the old ones right after the
// edited items, so k edits in a tree of n files write O(k·log n) nodes.
import { InvalidArgument } from '../errors/index.js';
import { EMPTY_TREE, withEmpty, type EncodedNode } from './codec.js';
import { checkEntry, treePath } from './entry.js';
import { type FileEntry, type NodeLoader, type TreeId, type TreeNode, dirRange } from './node.js';
import { normalizePath } from './path.js';
import { TreeWriter } from './writer.js';

/** A change to a tree: put a file, delete a file, or delete a directory (every path under `dir/`, and the file `dir` itself). */
export type Mutation = { path: string; entry: FileEntry } | { path: string; delete: true } | { deletePrefix: string };

/** Stores finished nodes; called with batches in the order nodes are finished. */
export type NodeSink = (nodes: EncodedNode[]) => Promise<void>;

export interface EditPlan {
  /** Sorted by key, one per key; `entry` null means delete. Applied after `ranges`. */
  points: { key: string; entry: FileEntry | null }[];
  /** Sorted, non-overlapping [lo, hi) key ranges to delete. */
  ranges: [string, string][];
}

const SINK_BATCH = 64;

/**
 * Reduces mutations to a plan, as if applied one after another in array order.
 * Throws InvalidPath, InvalidFileEntry or InvalidArgument for malformed mutations.
 */
export function planMutations(mutations: readonly Mutation[]): EditPlan {
  const points = new Map<string, FileEntry | null>();
  const ranges: [string, string][] = [];
  for (const m of mutations) {
    if (m && typeof m === 'object' && 'deletePrefix' in m) {
      const dir = normalizePath(m.deletePrefix);
      const [lo, hi] = dirRange(dir);
      for (const k of points.keys()) if (k >= lo && k < hi) points.delete(k);
      if (dir !== '/') points.set(dir, null);
      ranges.push([lo, hi]);
    } else if (m && typeof m === 'object' && 'delete' in m && m.delete === true) {
      points.set(treePath(m.path), null);
    } else if (m && typeof m === 'object' && 'entry' in m) {
      const p = treePath(m.path);
      points.set(p, checkEntry(m.entry, p));
    } else {
      throw new InvalidArgument('InvalidMutation', `not a tree mutation: ${JSON.stringify(m)}`);
    }
  }
  const keys = [...points.keys()].sort();
  return { points: keys.map((key) => ({ key, entry: points.get(key)! })), ranges: mergeRanges(ranges) };
}

function mergeRanges(ranges: [string, string][]): [string, string][] {
  ranges.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: [string, string][] = [];
  for (const r of ranges) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1]) {
      if (r[1] > last[1]) last[1] = r[1];
    } else out.push([r[0], r[1]]);
  }
  return out;
}

/**
 * Builds a tree from entries sorted by path with no duplicates (see sortEntries).
 * Returns the root ID and the number of nodes handed to `sink`.
 */
export async function buildSorted(entries: readonly FileEntry[], load: NodeLoader, sink: NodeSink): Promise<{ root: TreeId; nodesWritten: number }> {
  const w = new TreeWriter();
  for (let i = 0; i < entries.length; i++) {
    w.addEntry(entries[i]!);
    if (w.outbox.length >= SINK_BATCH) await sink(w.take());
  }
  const root = await w.finish(load);
  await sink(w.take());
  return { root: root ? root.ref.id : EMPTY_TREE, nodesWritten: w.written };
}

/** Sorts checked entries by path in place (JS string order); of entries with the same path the last one stays. */
export function sortEntries(entries: FileEntry[]): FileEntry[] {
  let sorted = true;
  for (let i = 1; i < entries.length && sorted; i++) sorted = entries[i - 1]!.path < entries[i]!.path;
  if (sorted) return entries;
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)); // stable: equal paths keep their order
  let n = 0;
  for (let i = 0; i < entries.length; i++) {
    const next = entries[i + 1];
    if (next && next.path === entries[i]!.path) continue;
    entries[n++] = entries[i]!;
  }
  entries.length = n;
  return entries;
}

/** Applies a plan to the tree `root`. Returns the new root and the number of nodes handed to `sink`. */
export async function applyPlan(root: TreeId, plan: EditPlan, loader: NodeLoader, sink: NodeSink): Promise<{ root: TreeId; nodesWritten: number }> {
  const load = withEmpty(loader);
  if (plan.points.length === 0 && plan.ranges.length === 0) return { root, nodesWritten: 0 };
  const visited = new Set<string>();
  const walk = new UpdateWalk(plan, load, sink, new TreeWriter(visited), visited);
  const node = await load(root);
  visited.add(root);
  await walk.visit(node, '', null, 0, plan.points.length);
  const w = walk.writer;
  const top = await w.finish(load);
  await sink(w.take());
  return { root: top ? top.ref.id : EMPTY_TREE, nodesWritten: w.written };
}

class UpdateWalk {
  constructor(
    readonly plan: EditPlan,
    readonly load: NodeLoader,
    readonly sink: NodeSink,
    readonly writer: TreeWriter,
    readonly visited: Set<string>,
  ) {}

  /**
   * Re-emits `node`, whose keys lie in (lo, hi] (hi null: no upper bound), with
   * the points [pi, pj) — exactly the points in that key range — applied.
   */
  async visit(node: TreeNode, lo: string, hi: string | null, pi: number, pj: number): Promise<void> {
    if (node.kind === 'leaf') return this.mergeLeaf(node.entries, pi, pj);
    const children = node.children;
    let p = pi;
    for (let i = 0; i < children.length; i++) {
      const c = children[i]!;
      const clo = i === 0 ? lo : children[i - 1]!.key;
      const chi = i === children.length - 1 ? hi : c.key;
      const q = chi === null ? pj : this.pointsUpTo(chi, p, pj);
      if (q === p) {
        if (!this.rangeMeets(clo, chi)) {
          if (this.writer.placeNode(node.level - 1, c)) {
            if (this.writer.outbox.length >= SINK_BATCH) await this.sink(this.writer.take());
            continue; // untouched: reuse it whole
          }
        } else if (this.rangeCovers(clo, c.key)) continue; // every key deleted: drop it unread
      }
      const child = await this.load(c.id);
      this.visited.add(c.id);
      await this.visit(child, clo, chi, p, q);
      p = q;
    }
  }

  private async mergeLeaf(entries: readonly FileEntry[], pi: number, pj: number): Promise<void> {
    const points = this.plan.points;
    const w = this.writer;
    let i = 0;
    let p = pi;
    while (i < entries.length || p < pj) {
      const e = entries[i];
      const pt = p < pj ? points[p]! : undefined;
      if (pt && (!e || pt.key <= e.path)) {
        if (pt.entry) w.addEntry(pt.entry);
        if (e && pt.key === e.path) i++;
        p++;
      } else {
        if (!this.inRange(e!.path)) w.addEntry(e!);
        i++;
      }
    }
    if (w.outbox.length >= SINK_BATCH) await this.sink(w.take());
  }

  /** Index of the first point in [from, to) whose key is > key. */
  private pointsUpTo(key: string, from: number, to: number): number {
    const points = this.plan.points;
    let lo = from;
    let hi = to;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (points[mid]!.key <= key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The first deleted range that ends after `key`. */
  private rangeAfter(key: string): [string, string] | undefined {
    const ranges = this.plan.ranges;
    let lo = 0;
    let hi = ranges.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ranges[mid]![1] <= key) lo = mid + 1;
      else hi = mid;
    }
    return ranges[lo];
  }

  private inRange(key: string): boolean {
    const r = this.rangeAfter(key);
    return r !== undefined && r[0] <= key;
  }

  /** Whether a deleted range may hold keys in (lo, hi]. */
  private rangeMeets(lo: string, hi: string | null): boolean {
    const r = this.rangeAfter(lo);
    return r !== undefined && (hi === null || r[0] <= hi);
  }

  /** Whether one deleted range holds every key in (lo, last]. */
  private rangeCovers(lo: string, last: string): boolean {
    const r = this.rangeAfter(lo);
    return r !== undefined && r[0] <= lo && last < r[1];
  }
}
