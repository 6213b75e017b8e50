// CompleteMultipartUpload: the listed parts (ascending, each uploaded, with
// the ETag it got) become one file in one commit, by joining their data
// references (see join-parts.ts). Parts may be of any size: the 5 MiB
// minimum of S3 is not enforced. The upload's records are dropped after.
// The answer's ETag is S3's multipart form (MD5 of the part MD5s, "-N");
// reads of the file report its sha256 content hash.
// Checks that need no data run before the answer starts, so they get a proper
// status (400 InvalidPart, 404 NoSuchUpload...), If-Match and If-None-Match
// among them; those are checked again in the commit (write-conditions.ts),
// where a refusal is an <Error> inside the 200.
import { keyToPath, parseBucket, writeTarget } from '../bucket.js';
import { writeCondition } from '../write-conditions.js';
import { readSmallBody, requestBody } from '../body.js';
import type { Operation } from '../context.js';
import { joinContents } from '../join-parts.js';
import { renderError } from '../error-table.js';
import { renderXml } from '../xml.js';
import { completedParts, multipartEtag } from '../complete-list.js';

export const completeMultipartUpload: Operation = async (deps, r) => {
  const bucket = parseBucket(r.bucket);
  const target = await writeTarget(deps, bucket);
  const path = keyToPath(r.key);
  const upload = await deps.uploads.get(bucket.name, r.key, r.query.get('uploadId') ?? '');
  const xml = (await readSmallBody(requestBody(r.req, r.identity), 2 * 1024 * 1024)).toString('utf8');
  const parts = completedParts(xml, new Map((await deps.uploads.listParts(upload.uploadId)).map((p) => [p.partNumber, p])));
  const condition = writeCondition(r.req, path, bucket.name);
  if (condition) {
    const early = await deps.pfs.upload(target);
    early.require(path, condition);
    try {
      await early.checkRequired();
    } finally {
      early.abandon();
    }
  }
  // Joining reads every byte once to hash it: for a file of many GiB that outlasts a client's read
  // timeout, so, as S3 does, the 200 starts at once, whitespace keeps the connection busy, and a
  // failure from here on is an <Error> document inside the 200 (SDKs look for one).
  const res = r.res;
  res.writeHead(200, { 'content-type': 'application/xml' });
  res.write('<?xml version="1.0" encoding="UTF-8"?>\n');
  const keepAlive = setInterval(() => res.write(' '), 5000);
  // Ref lists the join writes are reachable once the commit is recorded; until then a lease keeps them.
  const lease = deps.content.lease(`complete multipart ${upload.uploadId}`);
  try {
    const content = await joinContents(deps.content, parts.map((p) => p.content), parts.every((p) => p.ownCuts === true));
    const writer = await deps.pfs.upload(target);
    if (condition) writer.require(path, condition);
    await writer.putContent(path, content);
    const { commit } = await writer.commit();
    await deps.uploads.remove(upload);
    deps.log.log('debug', 's3_multipart_completed', { bucket: bucket.name, key: r.key, parts: parts.length, bytes: content.size, commit: commit.id, requestId: r.requestId });
    res.end(withoutDeclaration(renderXml('CompleteMultipartUploadResult', { Location: `/${bucket.name}/${r.key}`, Bucket: bucket.name, Key: r.key, ETag: multipartEtag(parts.map((p) => p.etag)) })));
  } catch (err) {
    const { body, code, error } = renderError(err, `/${bucket.name}/${r.key}`, r.requestId);
    deps.log.log('warn', 's3_error', { op: 'CompleteMultipartUpload', bucket: bucket.name, key: r.key, status: 200, code, message: error.message, requestId: r.requestId });
    res.end(withoutDeclaration(body));
  } finally {
    lease.release();
    clearInterval(keepAlive);
  }
};

function withoutDeclaration(xml: string): string {
  return xml.startsWith('<?xml') ? xml.slice(xml.indexOf('\n') + 1) : xml;
}
