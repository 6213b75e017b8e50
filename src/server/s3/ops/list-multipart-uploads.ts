// ListMultipartUploads: uploads in progress in a bucket, by key then
// initiation time, filtered by prefix (at most 1,000 listed).
import { parseBucket, readView } from '../bucket.js';
import type { Operation } from '../context.js';
import { isoTime, sendXml } from '../respond.js';

export const listMultipartUploads: Operation = async (deps, r) => {
  const bucket = parseBucket(r.bucket);
  await readView(deps, bucket);
  const prefix = r.query.get('prefix') ?? '';
  const max = Math.min(Number(r.query.get('max-uploads') ?? 1000) || 1000, 1000);
  const all = (await deps.uploads.listUploads(bucket.name)).filter((u) => u.key.startsWith(prefix));
  const page = all.slice(0, max);
  const owner = { ID: r.identity.accessKey ?? 'anonymous', DisplayName: r.identity.accessKey ?? 'anonymous' };
  sendXml(r.res, 200, 'ListMultipartUploadsResult', {
    Bucket: bucket.name,
    KeyMarker: '',
    UploadIdMarker: '',
    NextKeyMarker: page.length ? page[page.length - 1]!.key : '',
    NextUploadIdMarker: page.length ? page[page.length - 1]!.uploadId : '',
    Prefix: prefix,
    MaxUploads: max,
    IsTruncated: all.length > page.length,
    Upload: page.map((u) => ({ Key: u.key, UploadId: u.uploadId, Initiator: owner, Owner: owner, StorageClass: 'STANDARD', Initiated: isoTime(new Date(u.initiated)) })),
  });
};
