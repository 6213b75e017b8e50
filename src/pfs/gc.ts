// What garbage collection keeps, seen from PFS: the roots (every commit of
// every repo, open or finished, then whatever higher layers register: datum
// results kept for reuse, multipart parts in flight), the mark from them, and
// a repo's usage (what it stores, and what only it holds: what deleting it
// and collecting would free). The sweep itself is storage/collector.ts.
import { emptyMark, type MarkSet } from '../storage/gc-plan.js';
import type { FileContent } from '../storage/content.js';
import type { TreeId } from '../tree/index.js';
import type { PfsContext } from './context.js';

export type GcRoot =
  | { kind: 'commit'; repo: string; commit: string; tree: TreeId }
  | { kind: 'tree'; owner: string; tree: TreeId }
  | { kind: 'content'; owner: string; content: FileContent };

export interface RepoUsage {
  /** Bytes of the distinct chunks, tree nodes and ref lists the repo's commits reach. */
  storedBytes: number;
  /** Of those, the bytes nothing else reaches (no other repo, datum result or upload in flight). */
  uniqueBytes: number;
}

export class Gc {
  constructor(private readonly ctx: PfsContext) {}

  /** Every root: all commits of all repos, then the roots of the registered sources (PfsDeps.gcRoots). */
  async *roots(): AsyncIterable<GcRoot> {
    yield* this.commitRoots();
    if (this.ctx.deps.gcRoots) yield* this.ctx.deps.gcRoots();
  }

  /** The mark set of every root: what a collection must keep. */
  async mark(): Promise<MarkSet> {
    return this.markRoots(this.roots());
  }

  /** A repo's stored and unique bytes: two marks, its commits and everything else. */
  async usage(repo: string): Promise<RepoUsage> {
    await this.ctx.requireRepo(repo);
    const sizes = new Map<string, number>();
    const own = await this.markRoots(this.commitRoots(repo), sizes);
    const others = await this.markRoots(this.otherRoots(repo));
    let storedBytes = 0;
    let uniqueBytes = 0;
    for (const hash of own.chunks) {
      const size = sizes.get(`c:${hash}`) ?? 0;
      storedBytes += size;
      if (!others.chunks.has(hash)) uniqueBytes += size;
    }
    for (const id of own.blobs) {
      const size = sizes.get(`b:${id}`) ?? 0;
      storedBytes += size;
      if (!others.blobs.has(id)) uniqueBytes += size;
    }
    return { storedBytes, uniqueBytes };
  }

  private async *otherRoots(repo: string): AsyncIterable<GcRoot> {
    for await (const root of this.roots()) if (root.kind !== 'commit' || root.repo !== repo) yield root;
  }

  private async *commitRoots(only?: string): AsyncIterable<GcRoot> {
    const repos = only !== undefined ? [only] : (await this.ctx.meta.listRepos()).map((r) => r.name);
    for (const repo of repos) {
      for await (const c of this.ctx.meta.listCommits(repo)) yield { kind: 'commit', repo, commit: c.id, tree: c.tree };
    }
  }

  /** Marks from `roots`; with `sizes`, also records each chunk's ("c:") and blob's ("b:") stored size. */
  private async markRoots(roots: AsyncIterable<GcRoot>, sizes?: Map<string, number>): Promise<MarkSet> {
    const mark = emptyMark();
    const seen = new Set<string>();
    const tree = this.ctx.deps.tree;
    const visit = {
      node: (id: string) => void mark.blobs.add(id),
      refList: (id: string) => void mark.blobs.add(id),
      chunk: (ref: { hash: string; size: number }) => {
        mark.chunks.add(ref.hash);
        sizes?.set(`c:${ref.hash}`, ref.size);
      },
      ...(sizes ? { stored: (id: string, bytes: number) => void sizes.set(`b:${id}`, bytes) } : {}),
    };
    for await (const root of roots) {
      if (root.kind === 'content') await tree.walkContent(root.content, root.owner, visit, seen);
      else await tree.walk([root.tree], visit, seen);
    }
    return mark;
  }
}
