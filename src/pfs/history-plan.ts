// History removal, decided: which commits `delete commit` and `squash commit`
// remove, which children get a new parent and which branches move, or why
// the request is refused. Pure: it takes the commits and branches of the
// repos involved and returns data. The rules (Pachyderm 2's):
//   delete  a commit without children (other than commits deleted with it);
//           branches whose head it is move back to its parent (or to no
//           commit at all). Its data is gone from history.
//   squash  a finished commit with children: its children take its parent as
//           theirs. Trees are whole snapshots, so every child keeps exactly
//           the files it had; only the commit between disappears. A commit
//           without children, or that a branch points at, is refused.
import { CommitHasChildren, CommitNotRemovable } from '../errors/index.js';
import type { BranchRecord, CommitRecord } from './records.js';

export interface CommitKey {
  repo: string;
  id: string;
}

export interface RemovalRequest {
  deletes: CommitKey[];
  squashes: CommitKey[];
}

/** Every commit and branch of each repo the request touches. */
export interface RemovalFacts {
  commits: ReadonlyMap<string, readonly CommitRecord[]>;
  branches: ReadonlyMap<string, readonly BranchRecord[]>;
}

export interface RemovalPlan {
  /** Commits deleted or squashed away, with what happens to each. */
  removed: { commit: CommitRecord; action: 'deleted' | 'squashed' }[];
  /** Children of removed commits, with their new parent. */
  reparented: CommitRecord[];
  /** Branches that pointed at a removed commit, with their new head ('' for none). */
  moved: BranchRecord[];
}

export function commitName(c: CommitKey): string {
  return `${c.repo}@${c.id}`;
}

/**
 * Decides a removal. Throws CommitNotFound-free errors only: CommitHasChildren (a deleted commit
 * with children that stay), CommitNotRemovable (a squashed commit that is open, has no child to
 * fold into, or is a branch head; a commit asked for twice or missing from `facts`).
 */
export function planRemoval(request: RemovalRequest, facts: RemovalFacts): RemovalPlan {
  const byKey = new Map<string, CommitRecord>();
  const children = new Map<string, CommitRecord[]>();
  for (const [repo, commits] of facts.commits) {
    for (const c of commits) {
      byKey.set(commitName(c), c);
      if (c.parentId) {
        const parent = commitName({ repo, id: c.parentId });
        children.set(parent, [...(children.get(parent) ?? []), c]);
      }
    }
  }
  const action = new Map<string, 'deleted' | 'squashed'>();
  const want = (keys: CommitKey[], what: 'deleted' | 'squashed') => {
    for (const k of keys) {
      const name = commitName(k);
      if (!byKey.has(name)) throw new CommitNotRemovable(name, 'no such commit');
      if (action.has(name)) throw new CommitNotRemovable(name, 'asked to be both deleted and squashed');
      action.set(name, what);
    }
  };
  want(request.deletes, 'deleted');
  want(request.squashes, 'squashed');

  const heads = new Map<string, BranchRecord[]>();
  for (const [repo, branches] of facts.branches) {
    for (const b of branches) if (b.head) heads.set(commitName({ repo, id: b.head }), [...(heads.get(commitName({ repo, id: b.head })) ?? []), b]);
  }
  for (const [name, what] of action) {
    const kept = (children.get(name) ?? []).filter((c) => !action.has(commitName(c)));
    if (what === 'deleted') {
      if (kept.length > 0) throw new CommitHasChildren(name, kept.map(commitName));
      continue;
    }
    const commit = byKey.get(name)!;
    if (!commit.finished) throw new CommitNotRemovable(name, 'it is open: finish it (or delete it) first');
    const branches = heads.get(name) ?? [];
    if (branches.length > 0) throw new CommitNotRemovable(name, `it is the head of branch ${branches.map((b) => b.name).join(', ')}: squash folds a commit into its children, \`tusk delete commit\` removes a head`);
    if (!(children.get(name) ?? []).some((c) => action.get(commitName(c)) !== 'deleted')) {
      throw new CommitNotRemovable(name, 'it has no children to fold it into: `tusk delete commit` removes a commit without children');
    }
  }

  /** The nearest ancestor of `id` in `repo` that stays ('' when none does). */
  const survivor = (repo: string, id: string | null): string => {
    let at = id;
    while (at && action.has(commitName({ repo, id: at }))) at = byKey.get(commitName({ repo, id: at }))?.parentId ?? null;
    return at ?? '';
  };
  const removed: RemovalPlan['removed'] = [];
  const reparented: CommitRecord[] = [];
  for (const [name, what] of action) {
    const commit = byKey.get(name)!;
    removed.push({ commit, action: what });
    for (const child of children.get(name) ?? []) {
      if (action.has(commitName(child))) continue;
      reparented.push({ ...child, parentId: survivor(child.repo, commit.parentId) || null });
    }
  }
  const moved: BranchRecord[] = [];
  for (const [name, branches] of heads) {
    if (!action.has(name)) continue;
    const commit = byKey.get(name)!;
    for (const b of branches) moved.push({ ...b, head: survivor(commit.repo, commit.parentId) });
  }
  return { removed, reparented, moved };
}
