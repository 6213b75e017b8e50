// UploadPart: streams one part into the content store (chunked and packed
// like any file, durable before the answer) and records its data references.
// The part's ETag, which the client sends back on Complete, is the MD5 of
// its bytes, as in S3 (s3cmd compares them): hashed on the content store's
// hash threads with the chunks (and the signed sha256), not on the gateway's thread.
import { S3Invalid } from '../../../errors/index.js';
import { parseBucket } from '../bucket.js';
import { checkContentMd5, readTap, requestBody } from '../body.js';
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
    const body = readTap(requestBody(r.req, r.identity, { verifySha256: false, verifyMd5: false }), r.young.read);
    const p = r.identity.payload;
    let written;
    try {
      // The sha256 of the part's bytes only when the request signed one (from 1 MiB on it is not the content hash).
      written = await writer.writeFileHashed(body, { sha256: p.kind === 'sha256', md5: true });
    } finally {
      await writer.close().catch(() => undefined);
    }
    const { content, sha256, md5 } = written;
    if (p.kind === 'sha256' && sha256 !== p.hash) throw new S3Invalid('XAmzContentSHA256Mismatch', "the provided 'x-amz-content-sha256' header does not match what was computed");
    checkContentMd5(r.req, Buffer.from(md5, 'hex'));
    etag = `"${md5}"`;
    await deps.uploads.putPart({ uploadId: upload.uploadId, partNumber, size: content.size, etag, lastModified: deps.clock().toISOString(), content, ownCuts: true });
  } finally {
    slot();
    lease.release();
  }
  sendEmpty(r.res, 200, { etag });
};
