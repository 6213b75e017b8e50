// Buckets are PFS refs, as in Pachyderm's gateway: `BRANCH.REPO` reads the
// branch's last finished commit and writes land on the branch; `COMMITID.REPO`
// (32 hex digits) reads one commit and refuses writes. This module parses
// bucket names and object keys and resolves a bucket to the tree it shows.
import { NotFound, S3Denied, S3Invalid, isTuskError } from '../../errors/index.js';
import { checkBranchName, checkRepoName, isCommitId, type CommitRecord } from '../../pfs/index.js';
import { EMPTY_TREE, type TreeId } from '../../tree/index.js';
import type { GatewayDeps } from './context.js';

export interface Bucket {
  name: string;
  repo: string;
  branch?: string;
  commit?: string;
}

export function parseBucket(name: string): Bucket {
  const dot = name.lastIndexOf('.');
  const bad = (why: string) => new S3Invalid('InvalidBucketName', `the bucket "${name}" is not valid: ${why}`, { bucket: name });
  if (dot <= 0 || dot === name.length - 1) throw bad('use BRANCH.REPO (e.g. master.images) or COMMITID.REPO');
  const ref = name.slice(0, dot);
  const repo = name.slice(dot + 1);
  try {
    checkRepoName(repo);
    if (isCommitId(ref)) return { name, repo, commit: ref };
    checkBranchName(ref);
  } catch (err) {
    throw bad(isTuskError(err) ? err.message : String(err));
  }
  return { name, repo, branch: ref };
}

export interface BucketView {
  tree: TreeId;
  /** The commit shown (undefined for a branch without finished commits). */
  commit?: CommitRecord;
  /** Last-Modified for everything in it: the commit's finish (or start) time, else the repo's creation. */
  time: Date;
}

/** The tree a read of the bucket sees. Throws NoSuchBucket-mapped errors for unknown repos, branches, commits. */
export async function readView(deps: GatewayDeps, bucket: Bucket): Promise<BucketView> {
  const pfs = deps.pfs;
  const repo = await pfs.repos.get(bucket.repo);
  if (bucket.commit) {
    const commit = await pfs.commits.mustGet(bucket.repo, bucket.commit);
    return { tree: commit.tree, commit, time: new Date(commit.finished ?? commit.started) };
  }
  const branch = await pfs.branches.inspect(bucket.repo, bucket.branch!).catch((err) => {
    throw howToCreate(err, bucket);
  });
  let id = branch.head;
  while (id) {
    const c = await pfs.commits.mustGet(bucket.repo, id);
    if (c.finished) return { tree: c.tree, commit: c, time: new Date(c.finished) };
    id = c.parentId ?? '';
  }
  return { tree: EMPTY_TREE, time: new Date(repo.created) };
}

/** The `repo@branch` a write to the bucket goes to; commits are read-only, and the branch must exist. */
export async function writeTarget(deps: GatewayDeps, bucket: Bucket): Promise<string> {
  if (bucket.commit) throw new S3Denied('AccessDenied', `bucket "${bucket.name}" is commit ${bucket.commit} and read-only; write to BRANCH.${bucket.repo}`, { bucket: bucket.name });
  // One metadata read when the branch is there (every write); inspect names what is missing otherwise.
  if (!(await deps.pfs.branches.find(bucket.repo, bucket.branch!))) {
    await deps.pfs.branches.inspect(bucket.repo, bucket.branch!).catch((err) => {
      throw howToCreate(err, bucket);
    });
  }
  return `${bucket.repo}@${bucket.branch}`;
}

/**
 * A repo without the bucket's branch (a repo just made by `tusk create repo` has none) is still
 * NoSuchBucket, as in S3, but says how to make the bucket: `aws s3 sync` into it failed without a clue.
 */
function howToCreate(err: unknown, bucket: Bucket): unknown {
  if (!isTuskError(err) || err.code !== 'BranchNotFound') return err;
  return new NotFound('BranchNotFound', `${err.message}: create the bucket first (aws s3 mb s3://${bucket.name}, or tusk create branch ${bucket.repo}@${bucket.branch})`, { ...err.data, bucket: bucket.name });
}

/**
 * The repo path of an object key: `dir/a.txt` → `/dir/a.txt`. Keys with
 * empty, `.` or `..` segments, a NUL, or over 1024 bytes are refused.
 * A key ending in `/` is a directory marker (see isDirMarker).
 */
export function keyToPath(key: string): string {
  if (key === '') throw new S3Invalid('InvalidArgument', 'an object key is required');
  if (Buffer.byteLength(key) > 1024) throw new S3Invalid('KeyTooLongError', 'your key is too long (more than 1024 bytes)');
  if (key.includes('\0')) throw new S3Invalid('InvalidArgument', `object key ${JSON.stringify(key)} holds a NUL character (%00); Tusk keys are file paths, which cannot`, { key });
  const body = key.endsWith('/') ? key.slice(0, -1) : key;
  for (const seg of body.split('/')) {
    if (seg === '' || seg === '.' || seg === '..') {
      throw new S3Invalid('InvalidArgument', `object key ${JSON.stringify(key)} has an empty, "." or ".." segment; Tusk keys are file paths`, { key });
    }
  }
  return '/' + body;
}

export function isDirMarker(key: string): boolean {
  return key.endsWith('/');
}

export function pathToKey(path: string): string {
  return path.slice(1);
}
