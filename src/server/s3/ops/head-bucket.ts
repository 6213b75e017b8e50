// HeadBucket: 200 when the branch (or commit) exists, 404 otherwise.
import { parseBucket, readView } from '../bucket.js';
import type { Operation } from '../context.js';
import { sendEmpty } from '../respond.js';

export const headBucket: Operation = async (deps, r) => {
  await readView(deps, parseBucket(r.bucket));
  sendEmpty(r.res, 200, { 'x-amz-bucket-region': 'us-east-1' });
};
