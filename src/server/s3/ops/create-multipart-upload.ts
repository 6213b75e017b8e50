// CreateMultipartUpload: checks that the bucket is a writable branch and the
// key a valid path, and records a new upload.
import { S3Invalid } from '../../../errors/index.js';
import { isDirMarker, keyToPath, parseBucket, writeTarget } from '../bucket.js';
import type { Operation } from '../context.js';
import { sendXml } from '../respond.js';

export const createMultipartUpload: Operation = async (deps, r) => {
  const bucket = parseBucket(r.bucket);
  await writeTarget(deps, bucket);
  keyToPath(r.key);
  if (isDirMarker(r.key)) throw new S3Invalid('InvalidArgument', `"${r.key}" is a directory marker; a multipart upload needs a file key`);
  for await (const _ of r.req) void _;
  const upload = await deps.uploads.create(bucket.name, r.key, deps.clock());
  sendXml(r.res, 200, 'InitiateMultipartUploadResult', { Bucket: bucket.name, Key: r.key, UploadId: upload.uploadId });
};
