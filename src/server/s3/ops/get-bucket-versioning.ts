// GetBucketVersioning: every bucket answers as one that was never versioned
// (an empty VersioningConfiguration, as S3 does), which is true of the S3
// view: a key has one version per bucket, and a branch's history is reached
// through its commits (COMMITID.REPO buckets), not version IDs. rclone asks
// before it purges a folder and logged an error at a NotImplemented answer.
// Turning versioning on (PutBucketVersioning) is NotImplemented (router.ts).
import { parseBucket, readView } from '../bucket.js';
import type { Operation } from '../context.js';
import { sendXml } from '../respond.js';

export const getBucketVersioning: Operation = async (deps, r) => {
  await readView(deps, parseBucket(r.bucket));
  sendXml(r.res, 200, 'VersioningConfiguration', {});
};
