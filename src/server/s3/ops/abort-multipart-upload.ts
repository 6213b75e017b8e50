// AbortMultipartUpload: forgets the upload and its parts' records (their
// chunks, reached by no commit, are left to the garbage collector).
import { parseBucket } from '../bucket.js';
import type { Operation } from '../context.js';
import { sendEmpty } from '../respond.js';

export const abortMultipartUpload: Operation = async (deps, r) => {
  const bucket = parseBucket(r.bucket);
  const upload = await deps.uploads.get(bucket.name, r.key, r.query.get('uploadId') ?? '');
  await deps.uploads.remove(upload);
  sendEmpty(r.res, 204);
};
