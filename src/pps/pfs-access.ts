// What the pipeline system needs from the versioned file system, declared
// here where it is used (as lakeFS graveler's RefManager is declared by its
// core): finding and creating repos, branches and commits, resolving refs,
// opening, finishing and waiting for output commits, diffs, uploads, and the
// hooks through which PFS tells PPS that a commit finished or a branch moved.
// `Pfs` (src/pfs) implements it; nothing in pps reaches further into PFS.
// Each method's comment names the errors it throws (src/errors); a method
// that names none throws only on a storage failure.
import type { MetadataOp } from '../storage/metadata-store.js';
import type { BranchMove, BranchRecord, CommitRecord, FileDiff, Ref, RemovalPlan, RemovalRequest, RepoRecord, ResolveMode, StartOptions, TriggerRecord, Upload } from '../pfs/index.js';

export interface PfsRepos {
  /** The repo, or undefined when there is none. */
  find(name: string): Promise<RepoRecord | undefined>;
  /** Creates a repo. Throws InvalidArgument (a bad name) and RepoExists. */
  create(name: string, description?: string): Promise<unknown>;
  /** Deletes a repo with its branches and commits; with `force`, even when a pipeline reads it. Throws RepoNotFound and (without force) InUse. */
  delete(name: string, force?: boolean): Promise<void>;
}

export interface PfsBranches {
  /** The branch, or undefined when the repo or the branch does not exist. */
  find(repo: string, name: string): Promise<BranchRecord | undefined>;
  /** The branches of a repo, by name. Throws RepoNotFound. */
  list(repo: string): Promise<BranchRecord[]>;
  /**
   * Creates `repo@name` at `head` (a ref; none: empty), or moves it there when it exists; with a
   * trigger, sets the branch's trigger. Throws RepoNotFound, InvalidArgument (a bad name),
   * BranchExists (exists, and neither head nor trigger given), InvalidRef, BranchNotFound and
   * CommitNotFound (for `head`), InvalidTrigger and TriggerCycle.
   */
  create(repo: string, name: string, head?: string, trigger?: TriggerRecord): Promise<BranchRecord>;
  /** Deletes a branch; with `force`, even when a pipeline or a trigger reads it. Throws RepoNotFound, BranchNotFound and (without force) InUse. */
  delete(repo: string, name: string, force?: boolean): Promise<void>;
}

export interface PfsCommits {
  /** The commit, or undefined when the repo or the commit does not exist. */
  find(repo: string, id: string): Promise<CommitRecord | undefined>;
  /** The commit. Throws CommitNotFound. */
  mustGet(repo: string, id: string): Promise<CommitRecord>;
  /**
   * The commit `ref` names: with mode 'head' a branch's newest commit (open or not), with 'read'
   * its last finished one. Throws RepoNotFound, BranchNotFound, and CommitNotFound (no such
   * commit, a branch without (finished) commits, or ancestors past the first commit).
   */
  resolve(ref: Ref, mode: ResolveMode): Promise<CommitRecord>;
  /**
   * Opens a commit on `repo@branch` (creating the branch). Throws InvalidArgument (a bad branch
   * name), RepoNotFound, BranchHasOpenCommit (unless allowOpenParent), CommitNotFound (parentId)
   * and CommitExists (options.id taken).
   */
  start(repo: string, branch: string, options: StartOptions): Promise<CommitRecord>;
  /**
   * Sets an open commit's whole tree and finishes it; without a tree it keeps its last finished
   * ancestor's content. Finish hooks run before it returns. Throws CommitNotFound and CommitFinished.
   */
  finishWithTree(repo: string, id: string, tree?: string): Promise<CommitRecord>;
  /** Finishes a user's open commit (`ref`: a branch or commit ID). Finish hooks run before it returns. Throws what resolve() throws, and CommitFinished. */
  finish(ref: string, description?: string): Promise<CommitRecord>;
  /** Resolves once the commit is finished. Throws CommitNotFound, or the signal's reason when aborted. */
  waitFor(repo: string, id: string, signal?: AbortSignal): Promise<CommitRecord>;
}

export interface PfsFiles {
  /** What changed from `oldRef` to `newRef` (refs as `repo@id`), in path order. Throws what resolve() throws. */
  diff(newRef: string, oldRef?: string): AsyncIterable<FileDiff>;
}

export interface PfsHistory {
  /**
   * What deleting and squashing these commits would do, changing nothing. Throws RepoNotFound,
   * CommitHasChildren (a deleted commit with children that stay) and CommitNotRemovable.
   */
  plan(request: RemovalRequest): Promise<RemovalPlan>;
  /** Deletes and squashes the commits in one atomic write; waiters for them get CommitNotFound. Throws as plan(). */
  remove(request: RemovalRequest): Promise<RemovalPlan>;
}

/**
 * PFS writes planned together and written at once (Pfs.atomically): each sees the ones before
 * it; nothing is written until the plan returns, and nothing at all when it throws.
 */
export interface PfsChange {
  getRepo(name: string): Promise<RepoRecord | undefined>;
  getBranch(repo: string, name: string): Promise<BranchRecord | undefined>;
  getCommit(repo: string, id: string): Promise<CommitRecord | undefined>;
  /** Throws what PfsCommits.resolve throws. */
  resolve(ref: string, mode: ResolveMode): Promise<CommitRecord>;
  /** Throws InvalidArgument (a bad name) and RepoExists. */
  createRepo(name: string, description: string): Promise<RepoRecord>;
  /** As PfsBranches.create without a trigger. */
  createBranch(repo: string, name: string, head?: string): Promise<BranchRecord>;
  /** A user's `start commit` (with `id`: under that global ID). Throws OutputBranch, and what PfsCommits.start throws. */
  startUserCommit(repo: string, branch: string, options: { description?: string; id?: string }): Promise<CommitRecord>;
  /** As PfsCommits.finish. */
  finishCommit(ref: string, description?: string): Promise<CommitRecord>;
}

export interface PfsAccess {
  readonly repos: PfsRepos;
  readonly history: PfsHistory;
  readonly branches: PfsBranches;
  readonly commits: PfsCommits;
  readonly files: PfsFiles;
  /**
   * Starts a write to `repo@branch` or `repo@<open commit id>`; nothing is visible until its
   * commit(). Throws InvalidRef, RepoNotFound, InvalidArgument (a bad branch name), CommitNotFound,
   * and CommitFinished (a finished commit, or a target with ancestors).
   */
  upload(target: string, description?: string): Promise<Upload>;
  /**
   * Holding the locks of `repos` (every repo the plan writes to), runs `plan`, then writes its PFS
   * writes and the `ops` it returns in ONE metadata batch, then runs the finish and branch-move
   * hooks the writes set off. A plan that throws writes nothing; its error is thrown.
   */
  atomically<T>(repos: readonly string[], plan: (change: PfsChange) => Promise<{ result: T; ops: readonly MetadataOp[] }>): Promise<T>;
  /** Runs `plan` on a change that is never written: its checks only. */
  preview<T>(plan: (change: PfsChange) => Promise<T>): Promise<T>;
  /** Runs `hook` on every commit finished, before the finishing call returns; returns the unhook. */
  onFinish(hook: (commit: CommitRecord) => Promise<void>): () => void;
  /** Runs `hook` when a branch moves to an existing commit, under that repo's lock; returns the unhook. */
  onBranchMoved(hook: (move: BranchMove) => Promise<void>): () => void;
}
