// CreateBucket `BRANCH.REPO`: creates the repo if it does not exist, then the
// (empty) branch. A commit bucket cannot be created. An existing branch is
// BucketAlreadyOwnedByYou, which clients such as rclone take as success.
import { RepoExists, S3Denied } from '../../../errors/index.js';
import { parseBucket } from '../bucket.js';
import type { Operation } from '../context.js';
import { sendEmpty } from '../respond.js';

export const createBucket: Operation = async (deps, r) => {
  const bucket = parseBucket(r.bucket);
  if (bucket.commit) throw new S3Denied('AccessDenied', `bucket "${bucket.name}" names a commit; create BRANCH.${bucket.repo} instead`);
  // Drain the optional CreateBucketConfiguration body: its region does not matter here.
  for await (const _ of r.req) void _;
  try {
    await deps.pfs.repos.create(bucket.repo);
  } catch (err) {
    if (!(err instanceof RepoExists)) throw err;
  }
  await deps.pfs.branches.create(bucket.repo, bucket.branch!);
  sendEmpty(r.res, 200, { location: `/${bucket.name}` });
};
