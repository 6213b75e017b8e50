// Tree nodes: the in-memory shape of a prolly tree's leaves and internal nodes,
// and the rule that decides where nodes end.
//
// A leaf holds file entries sorted by path; an internal node holds one ChildRef
// per child (the child's last key, its ID, and the files and bytes under it).
// A node ends after an item whose key is a *boundary* at the node's level: a
// property of the key alone (a stable hash of the key with a per-level seed),
// never of its position, its neighbours or the file's content. So the set of
// keys alone fixes every node of the tree (history independence), and changing
// a file's content never moves a boundary.
import type { FileContent } from '../storage/content.js';

/** A tree node's ID: sha256 (hex) of the node's logical content. */
export type TreeId = string;

/** One file: its normalised path, size and content hash, and where its bytes are. */
export interface FileEntry {
  path: string;
  size: number;
  hash: string;
  content: FileContent;
}

/** An internal node's pointer to a child: the child's last key, its ID, and the files and bytes under it. */
export interface ChildRef {
  key: string;
  id: TreeId;
  files: number;
  bytes: number;
}

export interface LeafNode {
  kind: 'leaf';
  level: 0;
  entries: FileEntry[];
}

export interface InternalNode {
  kind: 'internal';
  /** 1 for a node whose children are leaves, and so on up. */
  level: number;
  children: ChildRef[];
}

export type TreeNode = LeafNode | InternalNode;

/**
 * Finds a node by ID. Throws ObjectNotFound or CorruptObject. A loader may also
 * load many nodes at once (`many`, same order and errors), which a cursor uses
 * to read the next leaves ahead in one read.
 */
export type NodeLoader = ((id: TreeId) => Promise<TreeNode>) & { many?: (ids: readonly TreeId[]) => Promise<TreeNode[]> };

/**
 * log2 of the target fanout: a key is a boundary with probability 1/64, so nodes
 * hold 64 items on average (geometric spread; the largest of 16,000 leaves holds
 * about 64·ln(16,000) ≈ 620). 64 keeps a 1,000,000-file tree at 4 levels, so an
 * update of one file rewrites 4 nodes of about 4 KiB; 32 would add a level and
 * more objects, 128 doubles the bytes rewritten per changed file.
 */
export const FANOUT_BITS = 6;
const BOUNDARY_MASK = (1 << FANOUT_BITS) - 1;

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const seeds: number[] = [];
function levelSeed(level: number): number {
  return (seeds[level] ??= fmix32(Math.imul(level + 1, 0x9e3779b9)));
}

/**
 * A stable 32-bit hash of a key (FNV-1a over UTF-16 code units, then murmur3's
 * finaliser so the low bits mix well). Part of the stored format: changing it
 * changes every tree ID.
 */
export function keyHash(key: string, seed: number): number {
  let h = (seed ^ 0x811c9dc5) | 0;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return fmix32(h);
}

/** True if a node at `level` ends after the item with this key. */
export function isBoundary(key: string, level: number): boolean {
  return (keyHash(key, levelSeed(level)) & BOUNDARY_MASK) === 0;
}

export function lastKey(node: TreeNode): string {
  return node.kind === 'leaf' ? node.entries[node.entries.length - 1]!.path : node.children[node.children.length - 1]!.key;
}

/** Files and bytes under a node. */
export function nodeStats(node: TreeNode): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  if (node.kind === 'leaf') {
    files = node.entries.length;
    for (const e of node.entries) bytes += e.size;
  } else {
    for (const c of node.children) {
      files += c.files;
      bytes += c.bytes;
    }
  }
  return { files, bytes };
}

/** Index of the first child whose last key is ≥ key (or > key when `exclusive`); children.length if none. */
export function childIndex(children: readonly ChildRef[], key: string, exclusive = false): number {
  let lo = 0;
  let hi = children.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const k = children[mid]!.key;
    if (k < key || (exclusive && k === key)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first entry whose path is ≥ key (or > key when `exclusive`); entries.length if none. */
export function entryIndex(entries: readonly FileEntry[], key: string, exclusive = false): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const p = entries[mid]!.path;
    if (p < key || (exclusive && p === key)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The key range [lo, hi) of everything under directory `dir` (a normalised
 * path): keys starting with `dir/`, which sort before `dir0` ('0' is the code
 * unit after '/'). The root's range holds every key.
 */
export function dirRange(dir: string): [string, string] {
  return dir === '/' ? ['/', '0'] : [dir + '/', dir + '0'];
}
