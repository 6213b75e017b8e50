// Domain records → generated protobuf messages. The server's only knowledge
// of the wire format besides the handlers.
import type { BranchRecord, CommitRecord, FileDiff, FileInfo as PfsFileInfo, RepoInfo, RepoUsage } from '../pfs/index.js';
import type { Branch, Commit, DiffEntry, FileInfo, FileInfoBatch, Repo } from '../gen/tusk/pfs.js';
import { sharedCommit } from '../rpc/file-info-wire.js';

export function repoMsg(r: RepoInfo, usage?: RepoUsage): Repo {
  return { name: r.name, sizeBytes: r.sizeBytes, branches: r.branches, description: r.description, created: r.created, storedBytes: usage?.storedBytes ?? 0, uniqueBytes: usage?.uniqueBytes ?? 0 };
}

export function branchMsg(b: BranchRecord): Branch {
  return {
    name: b.name,
    repo: b.repo,
    head: b.head,
    trigger: b.trigger ? { branch: b.trigger.branch, all: b.trigger.all, cronSpec: b.trigger.cronSpec, size: b.trigger.size, commits: b.trigger.commits } : undefined,
  };
}

export function commitMsg(c: CommitRecord): Commit {
  return {
    id: c.id,
    repo: c.repo,
    branch: c.branch,
    parentId: c.parentId ?? '',
    origin: c.origin,
    started: c.started,
    finished: c.finished ?? '',
    sizeBytes: c.sizeBytes,
    description: c.description,
    provenance: c.provenance.map((p) => ({ repo: p.repo, branch: p.branch, id: p.id })),
    fileCount: c.fileCount,
    tree: c.tree,
  };
}

export function fileMsg(f: PfsFileInfo): FileInfo {
  return { path: f.path, type: f.type, sizeBytes: f.sizeBytes, hash: f.hash, commit: f.commit };
}

/** A batch of a listing: a commit all its entries share goes once, in the batch (readers fill it back in). */
export function fileBatchMsg(files: readonly PfsFileInfo[]): FileInfoBatch {
  const commit = sharedCommit(files);
  return { files: files.map((f) => ({ path: f.path, type: f.type, sizeBytes: f.sizeBytes, hash: f.hash, commit: commit === '' ? f.commit : '' })), commit };
}

export function diffMsg(d: FileDiff): DiffEntry {
  return { path: d.path, change: d.change, sizeBytes: d.sizeBytes, oldSizeBytes: d.oldSizeBytes };
}
