// PutObject: streams the body into the branch as one file. Without an open
// commit on the branch the put is one finished commit; with one, it writes
// into it. The body is verified (signature chunks, Content-MD5, the signed
// sha256 against the content hash the store computes) before anything is
// committed. A key ending in "/" is a directory marker: accepted and
// ignored, since Tusk directories exist through their files.
import { S3Invalid } from '../../../errors/index.js';
import { EMPTY_HASH } from '../../../storage/content.js';
import { isDirMarker, keyToPath, parseBucket, writeTarget } from '../bucket.js';
import { requestBody } from '../body.js';
import type { Operation } from '../context.js';
import { etagOf, sendEmpty } from '../respond.js';

export const putObject: Operation = async (deps, r) => {
  const bucket = parseBucket(r.bucket);
  const target = await writeTarget(deps, bucket);
  const path = keyToPath(r.key);
  const body = requestBody(r.req, r.identity, { verifySha256: false });
  if (isDirMarker(r.key)) {
    let bytes = 0;
    for await (const piece of body) bytes += piece.length;
    if (bytes > 0) throw new S3Invalid('InvalidArgument', `a key ending in "/" is a directory marker and must be empty; "${r.key}" has ${bytes} bytes`);
    sendEmpty(r.res, 200, { etag: etagOf(EMPTY_HASH) });
    return;
  }
  const upload = await deps.pfs.upload(target);
  const entry = await upload.putFile(path, body);
  if (r.identity.payload.kind === 'sha256' && entry.hash !== r.identity.payload.hash) {
    throw new S3Invalid('XAmzContentSHA256Mismatch', "the provided 'x-amz-content-sha256' header does not match what was computed");
  }
  const { commit } = await upload.commit();
  sendEmpty(r.res, 200, { etag: etagOf(entry.hash), 'x-tusk-commit': commit.id });
};
