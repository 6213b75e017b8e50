// PFS, the versioned file system: repos hold commits (immutable snapshots of
// a file tree, open until finished), branches point at commits, refs name
// them (`repo@branch^2:/path`), and every commit carries a global ID shared
// by the commits it caused. Metadata lives in LevelDB, content and trees in
// the object store. This index composes the entity modules into one facade.
import { Branches } from './branches.js';
import { Commits } from './commits.js';
import { PfsContext } from './context.js';
import type { PfsDeps } from './deps.js';
import { Files } from './files.js';
import { Repos } from './repos.js';
import { TriggerScheduler } from './trigger-scheduler.js';
import { Upload, type UploadResult } from './upload.js';
import { copyFiles } from './copy.js';

export class Pfs {
  readonly ctx: PfsContext;
  readonly repos: Repos;
  readonly commits: Commits;
  readonly branches: Branches;
  readonly files: Files;
  /** Branch triggers: start() once the layers listening for branch moves are up, stop() on shutdown. */
  readonly triggers: TriggerScheduler;

  constructor(deps: PfsDeps) {
    this.ctx = new PfsContext(deps);
    this.repos = new Repos(this.ctx);
    this.commits = new Commits(this.ctx);
    this.triggers = new TriggerScheduler(this.ctx, this.commits);
    this.branches = new Branches(this.ctx, this.commits, this.triggers);
    this.files = new Files(this.ctx, this.commits);
  }

  /** Starts a write to `repo@branch` or `repo@<open commit id>`; nothing is visible until commit(). */
  upload(target: string, description?: string, force = false): Promise<Upload> {
    return Upload.open(this.ctx, this.commits, target, description, force);
  }

  /** `copy file`: by reference, no bytes copied (copy.ts). */
  copy(src: string, dst: string, description?: string, force = false): Promise<UploadResult> {
    return copyFiles(this, src, dst, description, force);
  }
}

export type { PfsDeps, ContentStore, ContentWriter, UsageHook } from './deps.js';
export type { RepoInfo } from './repos.js';
export type { FileInfo, FileDiff, Change } from './files.js';
export type { UploadResult, Upload } from './upload.js';
export type { CommitRecord, BranchRecord, RepoRecord, CommitRefRecord, Origin, TriggerRecord } from './records.js';
export type { BranchMove } from './context.js';
export type { TriggerScheduler } from './trigger-scheduler.js';
export { parseSize } from './size.js';
export { OutputBranch } from './write-guard.js';
export { checkTrigger } from './triggers.js';
export { Metadata } from './metadata.js';
export { Table, type TableOp } from './table.js';
export { parseRef, formatRef, type Ref } from './ref.js';
export { isCommitId, checkRepoName, checkBranchName, commitIdFrom } from './names.js';
