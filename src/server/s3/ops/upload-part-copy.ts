// UploadPartCopy: a part made of another file (or a byte range of it, from
// x-amz-copy-source-range), by reference: the part's data references point at
// the source's chunks, as `aws s3 cp s3://… s3://…` of a big object needs.
import { FileNotFound, S3Invalid } from '../../../errors/index.js';
import { keyToPath, parseBucket, readView } from '../bucket.js';
import type { Operation } from '../context.js';
import { sliceContent } from '../join-parts.js';
import { etagOf, isoTime, sendXml } from '../respond.js';
import { parseCopySource } from './copy-object.js';

export const uploadPartCopy: Operation = async (deps, r) => {
  const bucket = parseBucket(r.bucket);
  const partNumber = Number(r.query.get('partNumber'));
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10000) throw new S3Invalid('InvalidArgument', 'partNumber must be an integer from 1 to 10000');
  const upload = await deps.uploads.get(bucket.name, r.key, r.query.get('uploadId') ?? '');
  // The source's references are held by a lease until the part's record (a collection root) names them.
  const lease = deps.content.lease(`multipart part ${upload.uploadId}/${partNumber}`);
  let etag: string;
  let now: Date;
  try {
    const source = parseCopySource(String(r.req.headers['x-amz-copy-source']));
    const from = parseBucket(source.bucket);
    const view = await readView(deps, from);
    const sourcePath = keyToPath(source.key);
    const entry = source.key.endsWith('/') ? undefined : await deps.tree.get(view.tree, sourcePath);
    if (!entry) throw new FileNotFound(sourcePath, from.name);
    const rangeText = r.req.headers['x-amz-copy-source-range'];
    let content = entry.content;
    if (typeof rangeText === 'string') {
      const m = /^bytes=(\d+)-(\d+)$/.exec(rangeText.trim());
      if (!m || Number(m[2]) < Number(m[1]) || Number(m[2]) >= entry.size) {
        throw new S3Invalid('InvalidArgument', `x-amz-copy-source-range "${rangeText}" must be bytes=FIRST-LAST within the ${entry.size}-byte source`);
      }
      content = await sliceContent(deps.content, entry.content, Number(m[1]), Number(m[2]) - Number(m[1]) + 1);
      await deps.content.blobs.flush();
    }
    await deps.content.pin(content);
    for await (const _ of r.req) void _;
    etag = etagOf(content.hash);
    now = deps.clock();
    await deps.uploads.putPart({ uploadId: upload.uploadId, partNumber, size: content.size, etag, lastModified: now.toISOString(), content });
  } finally {
    lease.release();
  }
  sendXml(r.res, 200, 'CopyPartResult', { ETag: etag, LastModified: isoTime(now) });
};
