// Resolving a ref (`repo@branch^2`, `repo@<id>`, `repo@branch.1`) to a commit over a view of
// the metadata: the store itself, or a change set that shows its staged
// writes over it (change-set.ts). A branch's head may be open; readers of a
// branch see its last finished commit (mode 'read'), writers and `inspect
// commit` see the head ('head').
import { BranchNotFound, CommitNotFound, RepoNotFound } from '../errors/index.js';
import type { Ref } from './ref.js';
import type { BranchRecord, CommitRecord, RepoRecord } from './records.js';

export type ResolveMode = 'head' | 'read';

/** The reads ref resolution and planning need. */
export interface MetadataView {
  getRepo(name: string): Promise<RepoRecord | undefined>;
  getBranch(repo: string, name: string): Promise<BranchRecord | undefined>;
  getCommit(repo: string, id: string): Promise<CommitRecord | undefined>;
}

/** Throws RepoNotFound, BranchNotFound, and CommitNotFound (no such commit, no (finished) commits, ancestors past the first). */
export async function resolveIn(view: MetadataView, r: Ref, mode: ResolveMode): Promise<CommitRecord> {
  if (!(await view.getRepo(r.repo))) throw new RepoNotFound(r.repo);
  const mustGet = async (id: string) => {
    const c = await view.getCommit(r.repo, id);
    if (!c) throw new CommitNotFound(r.repo, id);
    return c;
  };
  let commit: CommitRecord | undefined;
  if (r.isId) {
    commit = await mustGet(r.name);
  } else {
    const branch = await view.getBranch(r.repo, r.name);
    if (!branch) throw new BranchNotFound(r.repo, r.name);
    if (!branch.head) throw noCommits(r.repo, r.name);
    commit = await mustGet(branch.head);
    if (mode === 'read') {
      while (commit && !commit.finished) commit = commit.parentId ? await mustGet(commit.parentId) : undefined;
      if (!commit) throw noCommits(r.repo, r.name, true);
    }
  }
  if (r.fromFirst !== undefined) return nthFromFirst(r, commit, mustGet);
  for (let i = 0; i < r.ancestors; i++) {
    if (!commit.parentId) {
      throw new CommitNotFound(r.repo, `${r.name}^${r.ancestors}`, `${r.repo}@${r.name}^${r.ancestors} goes back past the first commit (${i === 1 ? '1 ancestor exists' : `${i} ancestors exist`})`);
    }
    commit = await mustGet(commit.parentId);
  }
  return commit;
}

/**
 * `.N`: the N-th commit of the history ending at `last`, counted from its first. Walks the whole history once
 * (as pachctl does), keeping only the last N IDs seen.
 */
async function nthFromFirst(r: Ref, last: CommitRecord, mustGet: (id: string) => Promise<CommitRecord>): Promise<CommitRecord> {
  const n = r.fromFirst!;
  const ring: string[] = []; // the last n IDs seen, at (position % n)
  let length = 0;
  for (let c: CommitRecord | undefined = last; c; c = c.parentId ? await mustGet(c.parentId) : undefined) {
    ring[length % n] = c.id;
    length++;
  }
  if (length < n) {
    throw new CommitNotFound(r.repo, `${r.name}.${n}`, `${r.repo}@${r.name}.${n}: its history has ${length} commit${length === 1 ? '' : 's'}`);
  }
  return mustGet(ring[(length - n) % n]!);
}

function noCommits(repo: string, branch: string, finished = false): CommitNotFound {
  return new CommitNotFound(repo, branch, `branch "${branch}" of repo "${repo}" has no ${finished ? 'finished ' : ''}commits yet`);
}
