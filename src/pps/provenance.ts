// Provenance ("where did this commit come from?") and subvenance ("what was
// computed from it?") as trees of commits. The walk is pure over two look-ups
// handed in, so it is tested without I/O.
import { InternalError } from '../errors/index.js';
import type { CommitRecord, CommitRefRecord } from '../pfs/index.js';

export interface ProvenanceNode {
  commit: CommitRefRecord;
  origin: string;
  /** Set when the commit is a pipeline's output: the pipeline and its version. */
  pipeline?: string;
  pipelineVersion?: number;
  children: ProvenanceNode[];
}

export interface ProvenanceLookups {
  commit(repo: string, id: string): Promise<CommitRecord | undefined>;
  /** The pipeline version that produced an output commit, if it was one. */
  job(repo: string, id: string): Promise<{ pipeline: string; version: number } | undefined>;
  /** Commits computed directly from repo@id (for subvenance). */
  below?(repo: string, id: string): Promise<{ repo: string; id: string }[]>;
}

const MAX_DEPTH = 64;

/** The tree of commits `commit` was computed from, down to user commits. */
export async function provenanceTree(lookups: ProvenanceLookups, commit: CommitRecord): Promise<ProvenanceNode> {
  return walk(lookups, commit, (c) => Promise.resolve(c.provenance.map((p) => ({ repo: p.repo, id: p.id }))), 0);
}

/** The tree of commits computed from `commit`, transitively. */
export async function subvenanceTree(lookups: ProvenanceLookups, commit: CommitRecord): Promise<ProvenanceNode> {
  const below = lookups.below;
  if (!below) throw new InternalError('subvenance needs the `below` look-up');
  return walk(lookups, commit, (c) => below(c.repo, c.id), 0);
}

async function walk(
  lookups: ProvenanceLookups,
  commit: CommitRecord,
  next: (c: CommitRecord) => Promise<{ repo: string; id: string }[]>,
  depth: number,
): Promise<ProvenanceNode> {
  const job = await lookups.job(commit.repo, commit.id);
  const node: ProvenanceNode = {
    commit: { repo: commit.repo, branch: commit.branch, id: commit.id },
    origin: commit.origin,
    ...(job ? { pipeline: job.pipeline, pipelineVersion: job.version } : {}),
    children: [],
  };
  if (depth >= MAX_DEPTH) return node;
  for (const ref of await next(commit)) {
    const child = await lookups.commit(ref.repo, ref.id);
    if (child) node.children.push(await walk(lookups, child, next, depth + 1));
  }
  return node;
}
