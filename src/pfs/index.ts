// PFS, the versioned file system: repos hold commits (immutable snapshots of
// a file tree, open until finished), branches point at commits, refs name
// them (`repo@branch^2:/path`), and every commit carries a global ID shared
// by the commits it caused. Metadata lives in the metadata store, content and
// trees in the object store. This index composes the entity modules into one
// facade, `Pfs`: the only door into the versioned file system (its context,
// metadata tables and locks stay inside this folder).
import type { MetadataOp } from '../storage/metadata-store.js';
import { Branches } from './branches.js';
import { ChangeSet } from './change-set.js';
import { Commits } from './commits.js';
import { PfsContext, type BranchMove } from './context.js';
import type { ContentWriter, PfsDeps } from './deps.js';
import { Files } from './files.js';
import { History } from './history.js';
import { Metadata } from './metadata.js';
import type { CommitRecord } from './records.js';
import { Repos } from './repos.js';
import { TriggerScheduler } from './trigger-scheduler.js';
import { Upload, type UploadResult } from './upload.js';
import { copyFiles } from './copy.js';
import { Gc } from './gc.js';
import { fsck, type FsckReport } from './fsck.js';

export class Pfs {
  private readonly ctx: PfsContext;
  readonly repos: Repos;
  readonly commits: Commits;
  readonly branches: Branches;
  readonly files: Files;
  /** What garbage collection keeps: roots, the mark, a repo's usage (gc.ts). */
  readonly gc: Gc;
  /** `delete commit` and `squash commit` (history.ts). */
  readonly history: History;
  /** Branch triggers: start() once the layers listening for branch moves are up, stop() on shutdown. */
  readonly triggers: TriggerScheduler;

  private constructor(deps: PfsDeps, meta: Metadata) {
    this.ctx = new PfsContext(deps, meta);
    this.repos = new Repos(this.ctx);
    this.commits = new Commits(this.ctx);
    this.triggers = new TriggerScheduler(this.ctx, this.commits);
    this.branches = new Branches(this.ctx, this.triggers);
    this.files = new Files(this.ctx, this.commits);
    this.gc = new Gc(this.ctx);
    this.history = new History(this.ctx);
  }

  /** A PFS over `deps`, continuing from what its metadata store holds. */
  static async open(deps: PfsDeps): Promise<Pfs> {
    return new Pfs(deps, await Metadata.open(deps.meta));
  }

  /**
   * Registers work that must happen before a finish call returns (the pipeline
   * system opens the downstream commits of the set, so `wait commit` on them
   * works the moment `put file` returns). Returns the function that removes it.
   */
  onFinish(hook: (commit: CommitRecord) => Promise<void>): () => void {
    return this.ctx.onFinish(hook);
  }

  /**
   * Registers work that must happen when a branch moves to an existing commit
   * (by its trigger or `create branch --head`), before the call that moved it
   * returns. The hook runs under the repo's lock: it must not write to that
   * repo through the locking calls. Returns the function that removes it.
   */
  onBranchMoved(hook: (move: BranchMove) => Promise<void>): () => void {
    return this.ctx.onBranchMoved(hook);
  }

  /**
   * Plans writes to `repos` in a change set (change-set.ts) while holding those repos' locks, then
   * writes them with the `ops` the plan returns in ONE metadata batch and runs what they set off
   * (finish hooks, branch-move hooks, triggers). A plan that throws writes nothing.
   */
  atomically<T>(repos: readonly string[], plan: (change: ChangeSet) => Promise<{ result: T; ops: readonly MetadataOp[] }>): Promise<T> {
    return this.ctx.locks.runAll(repos.map((r) => `repo:${r}`), async () => {
      const change = new ChangeSet(this.ctx, (r, b) => this.triggers.afterNewHeadLocked(r, b), new Set(repos));
      const { result, ops } = await plan(change);
      await change.apply(ops);
      return result;
    });
  }

  /** Runs `plan` on a change set that is never written (its checks only: `validate pipeline`). */
  preview<T>(plan: (change: ChangeSet) => Promise<T>): Promise<T> {
    return plan(new ChangeSet(this.ctx));
  }

  /**
   * Starts a write to `repo@branch` or `repo@<open commit id>`; nothing is visible until commit().
   * `writer` (default: a write session of the upload's own) is where the content goes.
   */
  upload(target: string, description?: string, force = false, writer?: ContentWriter): Promise<Upload> {
    return Upload.open(this.ctx, this.commits, target, description, force, writer);
  }

  /** `tusk fsck [REPO[@REF]]`: checks every tree node and chunk the scope's commits reach (fsck.ts). */
  fsck(scope: string): Promise<FsckReport> {
    return fsck(this.ctx, this.commits, scope);
  }

  /** `copy file`: by reference, no bytes copied (copy.ts). */
  copy(src: string, dst: string, description?: string, force = false): Promise<UploadResult> {
    return copyFiles({ tree: this.ctx.deps.tree, files: this.files, upload: (t, d, f) => this.upload(t, d, f) }, src, dst, description, force);
  }
}

export type { MetadataView, ResolveMode, StartOptions } from './commits.js';
export type { ChangeSet, PfsEffect } from './change-set.js';
export type { PfsDeps, ContentStore, ContentWriter, UsageHook } from './deps.js';
export type { RepoInfo } from './repos.js';
export type { FileInfo, FileDiff, Change, Page } from './files.js';
export type { FsckProblem, FsckReport } from './fsck.js';
export type { UploadResult, Upload } from './upload.js';
export type { CommitRecord, BranchRecord, RepoRecord, CommitRefRecord, Origin, TriggerRecord } from './records.js';
export type { BranchMove } from './context.js';
export type { GcRoot, RepoUsage } from './gc.js';
export type { CommitKey, RemovalPlan, RemovalRequest } from './history-plan.js';
export { commitName } from './history-plan.js';
export type { TriggerScheduler } from './trigger-scheduler.js';
export { parseSize } from './size.js';
export { OutputBranch } from './write-guard.js';
export { checkTrigger } from './triggers.js';
export { parseRef, formatRef, refName, walksHistory, type Ref } from './ref.js';
export { isCommitId, checkRepoName, checkBranchName, commitIdFrom } from './names.js';
