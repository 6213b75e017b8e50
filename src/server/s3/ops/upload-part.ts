// UploadPart: streams one part into the content store (chunked and packed
// like any file, durable before the answer) and records its data references.
// The part's ETag, which the client sends back on Complete, is the MD5 of
// its bytes, as in S3 (s3cmd compares them).
import { S3Invalid } from '../../../errors/index.js';
import { parseBucket } from '../bucket.js';
import { checkContentMd5, md5Tap, requestBody } from '../body.js';
import type { Operation } from '../context.js';
import { sendEmpty } from '../respond.js';

export const uploadPart: Operation = async (deps, r) => {
  const bucket = parseBucket(r.bucket);
  const partNumber = Number(r.query.get('partNumber'));
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10000) throw new S3Invalid('InvalidArgument', 'partNumber must be an integer from 1 to 10000');
  const upload = await deps.uploads.get(bucket.name, r.key, r.query.get('uploadId') ?? '');
  // The part's chunks are reachable once its record is written (multipart roots); until then a lease keeps them.
  const lease = deps.content.lease(`multipart part ${upload.uploadId}/${partNumber}`);
  const slot = await r.writeSlots.take();
  let etag: string;
  try {
    const writer = deps.content.writer();
    const md5 = md5Tap(requestBody(r.req, r.identity, { verifySha256: false, verifyMd5: false }), r.young.read);
    const p = r.identity.payload;
    let content, sha256;
    try {
      // The sha256 of the part's bytes only when the request signed one (from 1 MiB on it is not the content hash).
      if (p.kind === 'sha256') ({ content, sha256 } = await writer.writeFileHashed(md5.body));
      else content = await writer.writeFile(md5.body);
    } finally {
      await writer.close().catch(() => undefined);
    }
    if (p.kind === 'sha256' && sha256 !== p.hash) throw new S3Invalid('XAmzContentSHA256Mismatch', "the provided 'x-amz-content-sha256' header does not match what was computed");
    checkContentMd5(r.req, md5.digest());
    etag = `"${md5.digest().toString('hex')}"`;
    await deps.uploads.putPart({ uploadId: upload.uploadId, partNumber, size: content.size, etag, lastModified: deps.clock().toISOString(), content, ownCuts: true });
  } finally {
    slot();
    lease.release();
  }
  sendEmpty(r.res, 200, { etag });
};
