// The tree's definition written the slow, obvious way, for tests to compare
// against: cut the sorted entries after every boundary key into leaves, cut
// each level's nodes after every boundary last-key into parents, stop at the
// first level with a single node. Also a walk that lists every entry of a
// tree, and random mutations applied to a plain Map as the model.
import { EMPTY_TREE, encodeNode } from './codec.js';
import { fakeEntry, prng } from './fake-entries.js';
import type { Mutation } from './mutate.js';
import { isBoundary, lastKey, nodeStats, type ChildRef, type FileEntry, type NodeLoader, type TreeId, type TreeNode } from './node.js';

function cut<T>(items: T[], level: number, key: (item: T) => string): T[][] {
  const groups: T[][] = [];
  let cur: T[] = [];
  for (const item of items) {
    cur.push(item);
    if (isBoundary(key(item), level)) {
      groups.push(cur);
      cur = [];
    }
  }
  if (cur.length) groups.push(cur);
  return groups;
}

/** The root ID of the tree holding exactly `entries` (sorted by path, distinct). */
export function referenceRoot(entries: FileEntry[]): TreeId {
  if (entries.length === 0) return EMPTY_TREE;
  let nodes: TreeNode[] = cut(entries, 0, (e) => e.path).map((g) => ({ kind: 'leaf', level: 0, entries: g }));
  for (let level = 1; nodes.length > 1; level++) {
    const refs: ChildRef[] = nodes.map((n) => ({ key: lastKey(n), id: encodeNode(n).id, ...nodeStats(n) }));
    nodes = cut(refs, level, (r) => r.key).map((g) => ({ kind: 'internal', level, children: g }));
  }
  return encodeNode(nodes[0]!).id;
}

/** Every entry of a tree, in stored order, by loading every node. */
export async function allEntries(load: NodeLoader, root: TreeId): Promise<FileEntry[]> {
  if (root === EMPTY_TREE) return [];
  const node = await load(root);
  if (node.kind === 'leaf') return node.entries;
  const out: FileEntry[] = [];
  for (const c of node.children) out.push(...(await allEntries(load, c.id)));
  return out;
}

/** The sorted entries of a path → entry model. */
export function modelEntries(model: Map<string, FileEntry>): FileEntry[] {
  return [...model.keys()].sort().map((k) => model.get(k)!);
}

/** Applies mutations to a path → entry model one by one. */
export function applyToModel(model: Map<string, FileEntry>, mutations: Mutation[]): void {
  for (const m of mutations) {
    if ('deletePrefix' in m) {
      const dir = m.deletePrefix;
      for (const k of [...model.keys()]) if (k === dir || k.startsWith(dir === '/' ? '/' : dir + '/')) model.delete(k);
    } else if ('delete' in m) model.delete(m.path);
    else model.set(m.path, m.entry);
  }
}

/** Random mutations over a path universe: puts (new versions), deletes, and directory deletes. */
export function randomMutations(seed: number, universe: string[], count: number): Mutation[] {
  const rnd = prng(seed);
  const out: Mutation[] = [];
  for (let i = 0; i < count; i++) {
    const path = universe[Math.floor(rnd() * universe.length)]!;
    const r = rnd();
    if (r < 0.6) out.push({ path, entry: fakeEntry(path, Math.floor(rnd() * 3)) });
    else if (r < 0.95) out.push({ path, delete: true });
    else {
      const parts = path.split('/');
      const dir = parts.slice(0, 1 + Math.floor(rnd() * (parts.length - 1))).join('/') || '/';
      out.push({ deletePrefix: dir });
    }
  }
  return out;
}
