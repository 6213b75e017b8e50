// CompleteMultipartUpload: the listed parts (ascending, each uploaded, with
// the ETag it got) become one file in one commit, by joining their data
// references (see join-parts.ts). Parts may be of any size: the 5 MiB
// minimum of S3 is not enforced. The upload's records are dropped after.
// The answer's ETag is S3's multipart form (MD5 of the part MD5s, "-N");
// reads of the file report its sha256 content hash.
// Checks that need no data run before the answer starts, so they get a proper
// status (400 InvalidPart, 404 NoSuchUpload...).
import { createHash } from 'node:crypto';
import { S3Invalid } from '../../../errors/index.js';
import { keyToPath, parseBucket, writeTarget } from '../bucket.js';
import { readSmallBody, requestBody } from '../body.js';
import type { Operation } from '../context.js';
import { joinContents } from '../join-parts.js';
import { renderError } from '../error-table.js';
import { childText, childrenNamed, parseXml, renderXml } from '../xml.js';

export const completeMultipartUpload: Operation = async (deps, r) => {
  const bucket = parseBucket(r.bucket);
  const target = await writeTarget(deps, bucket);
  const path = keyToPath(r.key);
  const upload = await deps.uploads.get(bucket.name, r.key, r.query.get('uploadId') ?? '');
  const doc = parseXml((await readSmallBody(requestBody(r.req, r.identity), 2 * 1024 * 1024)).toString('utf8'));
  if (doc.name !== 'CompleteMultipartUpload') throw new S3Invalid('MalformedXML', 'the root element must be <CompleteMultipartUpload>');
  const listed = childrenNamed(doc, 'Part').map((p) => ({ number: Number(childText(p, 'PartNumber')), etag: childText(p, 'ETag') }));
  if (listed.length === 0) throw new S3Invalid('MalformedXML', 'a CompleteMultipartUpload request lists at least one part');
  const stored = new Map((await deps.uploads.listParts(upload.uploadId)).map((p) => [p.partNumber, p]));
  let previous = 0;
  const parts = [];
  for (const { number, etag } of listed) {
    if (!Number.isInteger(number) || number < 1 || number > 10000) throw new S3Invalid('MalformedXML', 'every <Part> needs a <PartNumber> from 1 to 10000');
    if (number <= previous) throw new S3Invalid('InvalidPartOrder', 'the list of parts was not in ascending order; parts must be ordered by part number', { partNumber: number });
    previous = number;
    const part = stored.get(number);
    if (!part) throw new S3Invalid('InvalidPart', `part ${number} was not uploaded`, { partNumber: number });
    if (etag !== undefined && unquote(etag) !== unquote(part.etag)) throw new S3Invalid('InvalidPart', `the ETag given for part ${number} does not match the uploaded part's`, { partNumber: number });
    parts.push(part);
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
    const content = await joinContents(deps.content, parts.map((p) => p.content));
    const writer = await deps.pfs.upload(target);
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

/** S3's multipart ETag: the MD5 of the parts' binary MD5s, then "-" and the part count. */
function multipartEtag(etags: string[]): string {
  const md5 = createHash('md5');
  for (const etag of etags) md5.update(Buffer.from(unquote(etag), 'hex'));
  return `"${md5.digest('hex')}-${etags.length}"`;
}

function withoutDeclaration(xml: string): string {
  return xml.startsWith('<?xml') ? xml.slice(xml.indexOf('\n') + 1) : xml;
}

function unquote(s: string): string {
  return s.trim().replace(/^"|"$/g, '');
}
