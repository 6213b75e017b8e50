// ListParts: the parts of an upload in progress, by part number, paged by
// part-number-marker and max-parts.
import { S3Invalid } from '../../../errors/index.js';
import { parseBucket } from '../bucket.js';
import type { Operation } from '../context.js';
import { isoTime, sendXml } from '../respond.js';

export const listParts: Operation = async (deps, r) => {
  const bucket = parseBucket(r.bucket);
  const upload = await deps.uploads.get(bucket.name, r.key, r.query.get('uploadId') ?? '');
  const marker = Number(r.query.get('part-number-marker') ?? 0);
  const max = Number(r.query.get('max-parts') ?? 1000);
  if (!Number.isInteger(marker) || marker < 0 || !Number.isInteger(max) || max < 0) throw new S3Invalid('InvalidArgument', 'part-number-marker and max-parts must be non-negative integers');
  const after = (await deps.uploads.listParts(upload.uploadId)).filter((p) => p.partNumber > marker);
  const page = after.slice(0, Math.min(max, 1000));
  const truncated = after.length > page.length;
  const owner = { ID: r.identity.accessKey ?? 'anonymous', DisplayName: r.identity.accessKey ?? 'anonymous' };
  sendXml(r.res, 200, 'ListPartsResult', {
    Bucket: bucket.name,
    Key: upload.key,
    UploadId: upload.uploadId,
    Initiator: owner,
    Owner: owner,
    StorageClass: 'STANDARD',
    PartNumberMarker: marker,
    NextPartNumberMarker: page.length ? page[page.length - 1]!.partNumber : marker,
    MaxParts: max,
    IsTruncated: truncated,
    Part: page.map((p) => ({ PartNumber: p.partNumber, LastModified: isoTime(new Date(p.lastModified)), ETag: p.etag, Size: p.size })),
  });
};
