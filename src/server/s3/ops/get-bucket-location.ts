// GetBucketLocation: every bucket is in the default region (s3cmd asks first).
import { parseBucket, readView } from '../bucket.js';
import type { Operation } from '../context.js';
import { sendXml } from '../respond.js';

export const getBucketLocation: Operation = async (deps, r) => {
  await readView(deps, parseBucket(r.bucket));
  sendXml(r.res, 200, 'LocationConstraint', {});
};
