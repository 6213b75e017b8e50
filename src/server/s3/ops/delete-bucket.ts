// DeleteBucket `BRANCH.REPO` deletes the branch (its commits stay reachable
// by ID, as in Pachyderm's gateway); the repo stays. Commit buckets cannot be
// deleted.
import { S3Denied } from '../../../errors/index.js';
import { parseBucket } from '../bucket.js';
import type { Operation } from '../context.js';
import { sendEmpty } from '../respond.js';

export const deleteBucket: Operation = async (deps, r) => {
  const bucket = parseBucket(r.bucket);
  if (bucket.commit) throw new S3Denied('AccessDenied', `bucket "${bucket.name}" is a commit and read-only`);
  await deps.pfs.branches.delete(bucket.repo, bucket.branch!);
  sendEmpty(r.res, 204);
};
