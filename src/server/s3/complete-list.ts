// The body of a CompleteMultipartUpload request, checked against the parts an
// upload holds: the listed part numbers ascend, each was uploaded, and an ETag
// given for a part matches the one it got. Also S3's multipart ETag (the MD5 of
// the parts' binary MD5s, then "-" and the part count). Shared by the gateway
// and the sidecar's S3 endpoint; pure.
import { createHash } from 'node:crypto';
import { S3Invalid } from '../../errors/index.js';
import { childText, childrenNamed, parseXml } from './xml.js';

/** The uploaded parts the request lists, in its order, each as the upload holds it. */
export function completedParts<P extends { etag: string }>(xml: string, stored: ReadonlyMap<number, P>): P[] {
  const doc = parseXml(xml);
  if (doc.name !== 'CompleteMultipartUpload') throw new S3Invalid('MalformedXML', 'the root element must be <CompleteMultipartUpload>');
  const listed = childrenNamed(doc, 'Part').map((p) => ({ number: Number(childText(p, 'PartNumber')), etag: childText(p, 'ETag') }));
  if (listed.length === 0) throw new S3Invalid('MalformedXML', 'a CompleteMultipartUpload request lists at least one part');
  let previous = 0;
  const parts: P[] = [];
  for (const { number, etag } of listed) {
    if (!Number.isInteger(number) || number < 1 || number > 10000) throw new S3Invalid('MalformedXML', 'every <Part> needs a <PartNumber> from 1 to 10000');
    if (number <= previous) throw new S3Invalid('InvalidPartOrder', 'the list of parts was not in ascending order; parts must be ordered by part number', { partNumber: number });
    previous = number;
    const part = stored.get(number);
    if (!part) throw new S3Invalid('InvalidPart', `part ${number} was not uploaded`, { partNumber: number });
    if (etag !== undefined && unquote(etag) !== unquote(part.etag)) throw new S3Invalid('InvalidPart', `the ETag given for part ${number} does not match the uploaded part's`, { partNumber: number });
    parts.push(part);
  }
  return parts;
}

/** S3's multipart ETag: the MD5 of the parts' binary MD5s, then "-" and the part count. */
export function multipartEtag(etags: readonly string[]): string {
  const md5 = createHash('md5');
  for (const etag of etags) md5.update(Buffer.from(unquote(etag), 'hex'));
  return `"${md5.digest('hex')}-${etags.length}"`;
}

function unquote(s: string): string {
  return s.trim().replace(/^"|"$/g, '');
}
