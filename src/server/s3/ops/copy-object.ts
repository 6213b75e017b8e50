// CopyObject: the source file (from any bucket: another branch, repo or a
// commit) is put at the destination key by reference: the new file entry
// points at the same stored chunks, so no bytes are read or written.
// If-Match / If-None-Match make it conditional on the destination, as a
// PutObject (write-conditions.ts). A copy of a key onto itself that changes
// nothing (no REPLACE metadata directive) is refused, as S3 does, instead of
// making an empty commit.
import { FileNotFound, S3Invalid } from '../../../errors/index.js';
import { keyToPath, parseBucket, readView, writeTarget } from '../bucket.js';
import type { Operation } from '../context.js';
import { etagOf, isoTime, sendXml } from '../respond.js';
import { writeCondition } from '../write-conditions.js';

export const copyObject: Operation = async (deps, r) => {
  const source = parseCopySource(String(r.req.headers['x-amz-copy-source']));
  const bucket = parseBucket(r.bucket);
  const target = await writeTarget(deps, bucket);
  const path = keyToPath(r.key);
  const from = parseBucket(source.bucket);
  const view = await readView(deps, from);
  const sourcePath = keyToPath(source.key);
  const entry = source.key.endsWith('/') ? undefined : await deps.tree.get(view.tree, sourcePath);
  if (!entry) throw new FileNotFound(sourcePath, from.name);
  const ifMatch = r.req.headers['x-amz-copy-source-if-match'];
  if (typeof ifMatch === 'string' && ifMatch.replace(/"/g, '') !== entry.hash) throw new S3Invalid('PreconditionFailed', 'x-amz-copy-source-if-match does not match the source ETag');
  const ifNoneMatch = r.req.headers['x-amz-copy-source-if-none-match'];
  if (typeof ifNoneMatch === 'string' && ifNoneMatch.replace(/"/g, '') === entry.hash) throw new S3Invalid('PreconditionFailed', 'x-amz-copy-source-if-none-match matches the source ETag');
  if (from.name === bucket.name && sourcePath === path && String(r.req.headers['x-amz-metadata-directive'] ?? 'COPY').toUpperCase() !== 'REPLACE') {
    throw new S3Invalid('InvalidRequest', "this copy request is illegal because it is trying to copy an object to itself without changing the object's metadata");
  }
  for await (const _ of r.req) void _; // a copy has no body
  const upload = await deps.pfs.upload(target);
  const condition = writeCondition(r.req, path, bucket.name);
  if (condition) upload.require(path, condition);
  await upload.putContent(path, entry.content);
  const { commit } = await upload.commit();
  sendXml(r.res, 200, 'CopyObjectResult', { ETag: etagOf(entry.hash), LastModified: isoTime(new Date(commit.finished ?? commit.started)) }, { 'x-tusk-commit': commit.id });
};

/** `bucket/key` or `/bucket/key`, URL-encoded, maybe with `?versionId=`. */
export function parseCopySource(header: string): { bucket: string; key: string } {
  let text = header;
  const q = text.indexOf('?');
  if (q >= 0) text = text.slice(0, q);
  if (text.startsWith('/')) text = text.slice(1);
  const slash = text.indexOf('/');
  if (slash <= 0 || slash === text.length - 1) throw new S3Invalid('InvalidArgument', 'x-amz-copy-source must be BUCKET/KEY');
  try {
    return { bucket: decodeURIComponent(text.slice(0, slash)), key: decodeURIComponent(text.slice(slash + 1)) };
  } catch {
    throw new S3Invalid('InvalidArgument', 'x-amz-copy-source is not correctly URL-encoded');
  }
}
