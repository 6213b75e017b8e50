// The reachability walk: every tree node, ref-list blob and chunk that a set
// of trees (or bare file contents) reaches. The garbage collector marks with
// it and fsck checks with it, so both agree on what "reachable" means. Reads
// go through the two loaders the caller passes; a node or ref-list blob seen
// once (in `seen`, shared across calls) is not walked again, so the walk over
// many commits that share most of their nodes costs about one tree.
import type { ChunkRef, FileContent } from '../storage/content.js';
import { decodeRefs } from '../storage/ref-codec.js';
import { EMPTY_TREE } from './codec.js';
import type { TreeId, TreeNode } from './node.js';

/** How the walk reads: a node loader (FileTree-style) and BlobStore.get for ref-list blobs. */
export interface ReachableSource {
  loadNode(id: TreeId): Promise<TreeNode>;
  loadBlob(id: string): Promise<Uint8Array>;
}

/** What the walk reports; each node and ref-list blob once per `seen` set. */
export interface ReachableVisitor {
  node?(id: TreeId, node: TreeNode): void;
  refList?(id: string, path: string): void;
  /** Every chunk slice a file's bytes use (a chunk used twice is reported twice). */
  chunk?(ref: ChunkRef, path: string): void;
  /** A node or ref-list blob that could not be loaded; without this callback the walk throws. */
  missing?(what: { kind: 'node' | 'refList'; id: string; path: string; error: Error }): void;
}

/** Walks every tree reachable from `roots`, skipping nodes already in `seen` (which it fills). */
export async function walkReachable(source: ReachableSource, roots: Iterable<TreeId>, visit: ReachableVisitor, seen: Set<string> = new Set()): Promise<void> {
  for (const root of roots) await walkNode(source, root, '/', visit, seen);
}

async function walkNode(source: ReachableSource, id: TreeId, path: string, visit: ReachableVisitor, seen: Set<string>): Promise<void> {
  if (id === EMPTY_TREE || seen.has(id)) return;
  seen.add(id);
  let node: TreeNode;
  try {
    node = await source.loadNode(id);
  } catch (error) {
    if (!visit.missing) throw error;
    visit.missing({ kind: 'node', id, path, error: error as Error });
    return;
  }
  visit.node?.(id, node);
  if (node.kind === 'internal') {
    for (const child of node.children) await walkNode(source, child.id, child.key, visit, seen);
    return;
  }
  for (const entry of node.entries) await walkContent(source, entry.content, entry.path, visit, seen);
}

/** Walks one file's content: its inline slices, or its ref-list blobs and the slices they hold. */
export async function walkContent(source: ReachableSource, content: FileContent, path: string, visit: ReachableVisitor, seen: Set<string> = new Set()): Promise<void> {
  for (const ref of content.refs ?? []) visit.chunk?.(ref.chunk, path);
  for (const id of content.indirect ?? []) {
    if (seen.has(id)) continue;
    seen.add(id);
    let bytes: Uint8Array;
    try {
      bytes = await source.loadBlob(id);
    } catch (error) {
      if (!visit.missing) throw error;
      visit.missing({ kind: 'refList', id, path, error: error as Error });
      continue;
    }
    visit.refList?.(id, path);
    for (const ref of decodeRefs(bytes, `blob:${id}`)) visit.chunk?.(ref.chunk, path);
  }
}
