// PutObject: streams the body into the branch as one file. Without an open
// commit on the branch the put is one finished commit; with one, it writes
// into it. The body is verified (signature chunks, Content-MD5, the signed
// sha256: against the content hash the store computes when that is the
// sha256 of the bytes, a body under CHUNK_LIST_HASH_MIN, else while it streams in)
// before anything is committed. A key ending in "/" is a directory marker: accepted and
// ignored, since Tusk directories exist through their files. If-Match and
// If-None-Match make the write conditional (write-conditions.ts).
//
// The answer's ETag is the MD5 of the body, because S3 clients (s3cmd,
// rclone, boto's checks) compare a single PUT's ETag with the MD5 of what they
// sent and retry or fail otherwise; every read (GET, HEAD, listings) reports
// the file's content hash as its ETag.
//
// A small body (announced at up to 1 MiB) is read whole into memory and then
// stored through the content store's shared writer: PUTs that arrive
// together share one pack write and its fsyncs (storage/shared-writer.ts),
// as their commits already share one durable metadata write (group commit,
// pfs/commit-group.ts), which also runs that flush; a body under 16 KiB goes
// into the pack of the group's tree nodes. Each PUT still answers only once
// its content and its commit are durable. A larger body streams through a
// session of its own, whose hash threads also compute its MD5 and (when
// signed) its sha256, beside the chunks' hashes: not on the gateway's thread.
import { createHash } from 'node:crypto';
import { InternalError, S3Invalid } from '../../../errors/index.js';
import { isDirMarker, keyToPath, parseBucket, writeTarget } from '../bucket.js';
import { bodyLength, checkContentMd5, md5Tap, readPlainBody, readSmallBody, readTap, requestBody } from '../body.js';
import type { Identity } from '../auth.js';
import { writeCondition } from '../write-conditions.js';
import type { GatewayDeps, Operation } from '../context.js';
import { sendEmpty } from '../respond.js';
import { isByteHash, type FileContent } from '../../../storage/content.js';
import type { ContentWriter } from '../../../pfs/index.js';
import type { HashedContent } from '../../../storage/file-writer.js';

/** Bodies up to this size are gathered in memory and share pack writes with other PUTs. */
const SMALL_BODY = 1024 * 1024;

export const putObject: Operation = async (deps, r) => {
  const bucket = parseBucket(r.bucket);
  const target = await writeTarget(deps, bucket);
  const path = keyToPath(r.key);
  const length = bodyLength(r.req);
  // A body announced under CHUNK_LIST_HASH_MIN gets the sha256 of its bytes as its content hash: checked against that below.
  const byteHashed = length !== undefined && isByteHash(length);
  const small = length !== undefined && length <= SMALL_BODY;
  // A large body's signed sha256 is checked against the one its session's hash thread computes (below).
  const body = requestBody(r.req, r.identity, { verifySha256: !byteHashed && small, verifyMd5: false });
  if (isDirMarker(r.key)) {
    let bytes = 0;
    for await (const piece of body) bytes += piece.length;
    if (bytes > 0) throw new S3Invalid('InvalidArgument', `a key ending in "/" is a directory marker and must be empty; "${r.key}" has ${bytes} bytes`);
    sendEmpty(r.res, 200, { etag: '"d41d8cd98f00b204e9800998ecf8427e"' }); // the MD5 of nothing
    return;
  }
  // A larger body streams through a write session of its own: one of the gateway's streamed writes.
  const slot = small ? undefined : await r.writeSlots.take();
  let entry, commit, md5: Buffer;
  try {
    const streamed = small ? undefined : hashingWriter(deps.content.writer(), r.identity.payload.kind === 'sha256');
    const upload = await deps.pfs.upload(target, undefined, false, streamed ?? deps.content.sharedWriter());
    const condition = writeCondition(r.req, path, bucket.name);
    if (condition) upload.require(path, condition);
    try {
      // Before anything is stored: a PUT bound to fail stores nothing. The gateway reads and drops the rest of its
      // body (up to a bound) before the 412, as for any refusal, so the client still sending it hears the answer.
      if (condition) await upload.checkRequired();
      if (small && r.identity.payload.kind !== 'chunked') {
        // A plain small body (what `aws s3 sync` sends): read whole, then hashed in one call.
        const bytes = await readPlainBody(r.req, SMALL_BODY);
        md5 = createHash('md5').update(bytes).digest();
        if (!byteHashed) checkSha256(r.identity.payload, createHash('sha256').update(bytes).digest('hex'));
        entry = await upload.putFile(path, bytes);
      } else if (small) {
        const tap = md5Tap(body, r.young.read);
        entry = await upload.putFile(path, await readSmallBody(tap.body, SMALL_BODY));
        md5 = tap.digest();
      } else {
        entry = await upload.putFile(path, readTap(body, r.young.read));
        const hashed = streamed!.hashed();
        md5 = Buffer.from(hashed.md5, 'hex');
        if (!byteHashed) checkSha256(r.identity.payload, hashed.sha256);
      }
      checkContentMd5(r.req, md5);
      // (a body longer than announced is not the sha256 of its bytes: refused as a mismatch)
      if (byteHashed) checkSha256(r.identity.payload, isByteHash(entry.size) ? entry.hash : '');
      ({ commit } = await upload.commit());
    } finally {
      upload.abandon();
    }
  } finally {
    slot?.();
  }
  // x-tusk-sha256 carries the content hash (the sha256 of the bytes only under 1 MiB; the name is older than that rule).
  sendEmpty(r.res, 200, { etag: `"${md5.toString('hex')}"`, 'x-tusk-sha256': entry.hash, 'x-tusk-commit': commit.id });
};

/**
 * The session a large body streams through, as the upload's writer: its one file is written with
 * its MD5 (and, when `sha256`, the sha256 of its bytes) hashed on the session's hash threads.
 */
function hashingWriter(session: ReturnType<GatewayDeps['content']['writer']>, sha256: boolean): ContentWriter & { hashed(): HashedContent } {
  let result: HashedContent | undefined;
  return {
    writeFile: async (source): Promise<FileContent> => {
      result = await session.writeFileHashed(source, { md5: true, sha256 });
      return result.content;
    },
    flush: () => session.flush(),
    hashed: () => {
      if (!result) throw new InternalError('put object: the body was not written');
      return result;
    },
  };
}

function checkSha256(payload: Identity['payload'], sha256: string): void {
  if (payload.kind === 'sha256' && sha256 !== payload.hash) {
    throw new S3Invalid('XAmzContentSHA256Mismatch', "the provided 'x-amz-content-sha256' header does not match what was computed");
  }
}
