// Conditional writes (PutObject, CompleteMultipartUpload), as S3 offers them:
// `If-None-Match: *` writes only a key that does not exist yet, `If-Match:
// ETAG` only over the object that has that ETag (a missing key is NoSuchKey).
// Refused with 412 PreconditionFailed otherwise. The ETag compared is the one
// reads report (GET, HEAD, listings: the content hash), not the MD5 a PUT
// answered. The check runs in the commit itself, against the tree the write
// is applied to, so two writers racing for the same key cannot both win.
import type { IncomingMessage } from 'node:http';
import { FileNotFound, S3Invalid } from '../../errors/index.js';
import type { FileEntry } from '../../tree/index.js';
import { etagOf } from './respond.js';

/** The check a request's If-Match / If-None-Match headers ask for; undefined when it has neither. */
export function writeCondition(req: IncomingMessage, path: string, bucket: string): ((entry: FileEntry | undefined) => void) | undefined {
  const ifMatch = one(req.headers['if-match']);
  const ifNoneMatch = one(req.headers['if-none-match']);
  if (ifMatch === undefined && ifNoneMatch === undefined) return undefined;
  return (entry) => {
    if (ifMatch !== undefined) {
      if (!entry) throw new FileNotFound(path, bucket);
      if (!etagListMatches(ifMatch, etagOf(entry.hash))) throw new S3Invalid('PreconditionFailed', `If-Match: ${path} in ${bucket} has ETag ${etagOf(entry.hash)}`);
    }
    if (ifNoneMatch !== undefined && entry && etagListMatches(ifNoneMatch, etagOf(entry.hash))) {
      throw new S3Invalid('PreconditionFailed', `If-None-Match: ${path} already exists in ${bucket}`);
    }
  };
}

/** Whether a comma-separated list of entity tags (or `*`) names `etag` (weak tags compare as strong ones). */
export function etagListMatches(list: string, etag: string): boolean {
  return list.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '');
    return tag === '*' || tag === etag || `"${tag}"` === etag;
  });
}

function one(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}
