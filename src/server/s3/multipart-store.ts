// Multipart uploads in progress, kept in the daemon's metadata store: one
// record per upload and one per uploaded part. A part's bytes are already in
// the content store (chunked and packed like any file); its record keeps the
// part's data references, size and ETag, so completing an upload joins
// references instead of copying bytes. Complete and abort drop the records;
// chunks no commit reaches are left to the garbage collector.
import { randomBytes } from 'node:crypto';
import { NoSuchUpload } from '../../errors/index.js';
import type { FileContent } from '../../storage/content.js';
import type { MetadataStore, MetadataTable } from '../../storage/metadata-store.js';

export interface UploadRecord {
  uploadId: string;
  bucket: string;
  key: string;
  initiated: string;
}

export interface PartRecord {
  uploadId: string;
  partNumber: number;
  size: number;
  /** The quoted ETag the client got back for this part. */
  etag: string;
  lastModified: string;
  content: FileContent;
  /**
   * Written by UploadPart through a write session of its own, so its chunks are cut from its first
   * byte: Complete then hashes the joined file from the parts' chunks (join-parts.ts). Absent for
   * a part copied from a range of a file (UploadPartCopy) and in records written before it existed.
   */
  ownCuts?: true;
}

export class MultipartStore {
  private readonly uploads: MetadataTable<UploadRecord>;
  private readonly parts: MetadataTable<PartRecord>;

  constructor(private readonly meta: MetadataStore) {
    this.uploads = meta.table<UploadRecord>('s3-uploads');
    this.parts = meta.table<PartRecord>('s3-parts');
  }

  async create(bucket: string, key: string, now: Date): Promise<UploadRecord> {
    const record: UploadRecord = { uploadId: randomBytes(16).toString('hex'), bucket, key, initiated: now.toISOString() };
    await this.meta.batch([this.uploads.putOp(`${bucket}/${record.uploadId}`, record)], { sync: true });
    return record;
  }

  /** The upload, which must belong to this bucket and key; else NoSuchUpload. */
  async get(bucket: string, key: string, uploadId: string): Promise<UploadRecord> {
    const record = /^[0-9a-f]{32}$/.test(uploadId) ? await this.uploads.get(`${bucket}/${uploadId}`) : undefined;
    if (!record || record.key !== key) throw new NoSuchUpload(uploadId);
    return record;
  }

  async putPart(part: PartRecord): Promise<void> {
    await this.meta.batch([this.parts.putOp(partKey(part.uploadId, part.partNumber), part)], { sync: true });
  }

  /** The parts uploaded so far, by part number. */
  listParts(uploadId: string): Promise<PartRecord[]> {
    return this.parts.values(`${uploadId}/`);
  }

  /** Every part of every upload in progress: their chunks are roots of garbage collection until complete or abort. */
  allParts(): AsyncIterable<PartRecord> {
    return this.parts.iterateValues('');
  }

  /** Uploads in progress in a bucket, by key then initiation time. */
  async listUploads(bucket: string): Promise<UploadRecord[]> {
    const all = await this.uploads.values(`${bucket}/`);
    return all.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.initiated < b.initiated ? -1 : 1));
  }

  /** Drops the upload and all its part records. */
  async remove(record: UploadRecord): Promise<void> {
    const keys = await this.parts.keys(`${record.uploadId}/`);
    await this.meta.batch([this.uploads.delOp(`${record.bucket}/${record.uploadId}`), ...keys.map((k) => this.parts.delOp(k))], { sync: true });
  }
}

function partKey(uploadId: string, partNumber: number): string {
  return `${uploadId}/${String(partNumber).padStart(5, '0')}`;
}
