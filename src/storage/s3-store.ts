// S3Store: an ObjectStore in an S3 bucket (AWS, MinIO, s3rver...), every key
// under an optional key prefix. Small bodies go up with one PutObject; a
// stream longer than one part goes up as a multipart upload whose parts are
// sent with bounded concurrency, so at most `concurrency` parts are ever in
// memory, and which is aborted if anything fails. Every request is retried
// with backoff on throttling, 5xx and dropped connections (never on 4xx);
// after the last try it fails with StorageUnavailable. A streamed get whose
// connection drops mid-body goes on from the next byte with a ranged GET.
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { InvalidArgument, ObjectNotFound } from '../errors/index.js';
import { checkObjectKey, checkRange, pageLimit } from './object-key.js';
import type { Body, ListOptions, ListPage, ObjectStore } from './object-store.js';
import { DEFAULT_RETRY, withRetries, type RetryPolicy } from './retry.js';
import { classifyS3Error, describeS3Error, httpStatus, rejected, unavailable } from './s3-errors.js';
import { resumeBody } from './s3-resume.js';

/** S3's smallest allowed part (all parts but the last). */
export const MIN_PART_SIZE = 5 * 1024 * 1024;
const MAX_PARTS = 10_000;

export interface S3StoreOptions {
  client: S3Client;
  bucket: string;
  /** Key prefix inside the bucket ("" or "a/b"; a trailing '/' is added). */
  prefix?: string;
  /** Part size of multipart uploads, and the largest body sent with one PutObject (default 8 MiB, at least 5 MiB). */
  partSize?: number;
  /** Parts uploaded at once (default 4). */
  concurrency?: number;
  retry?: Partial<RetryPolicy>;
}

export class S3Store implements ObjectStore {
  readonly bucket: string;
  readonly prefix: string;
  readonly partSize: number;
  readonly concurrency: number;
  private readonly client: S3Client;
  private readonly retry: RetryPolicy;

  constructor(options: S3StoreOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    const prefix = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
    this.prefix = prefix === '' ? '' : `${prefix}/`;
    this.partSize = options.partSize ?? 8 * 1024 * 1024;
    this.concurrency = options.concurrency ?? 4;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    if (!Number.isSafeInteger(this.partSize) || this.partSize < MIN_PART_SIZE) {
      throw new InvalidArgument('InvalidPartSize', `S3 part size must be an integer of at least ${MIN_PART_SIZE} bytes, got ${this.partSize}`, { partSize: this.partSize });
    }
    if (!Number.isSafeInteger(this.concurrency) || this.concurrency < 1) {
      throw new InvalidArgument('InvalidConcurrency', `S3 upload concurrency must be an integer >= 1, got ${this.concurrency}`, { concurrency: this.concurrency });
    }
  }

  async get(key: string): Promise<AsyncIterable<Uint8Array>> {
    const fullKey = this.keyOf(key);
    const open = (offset: number) =>
      this.send('get', key, () => this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: fullKey, Range: offset > 0 ? `bytes=${offset}-` : undefined })));
    const first = await open(0);
    return first.Body ? resumeBody(first, open, this.retry, (err, tries) => unavailable('get', key, err, tries)) : emptyStream();
  }

  async getRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    const fullKey = this.keyOf(key);
    checkRange(key, offset, length);
    if (length === 0) {
      if (!(await this.exists(key))) throw new ObjectNotFound(key);
      return new Uint8Array(0);
    }
    return this.send('getRange', key, async () => {
      try {
        const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: fullKey, Range: `bytes=${offset}-${offset + length - 1}` }));
        const bytes = out.Body ? await out.Body.transformToByteArray() : new Uint8Array(0);
        // A server that ignores Range answers 200 with the whole object: cut the range out ourselves.
        return out.ContentRange === undefined ? bytes.subarray(offset, offset + length) : bytes;
      } catch (err) {
        if (httpStatus(err) === 416) return new Uint8Array(0); // the range starts at or past the end of an object that exists
        throw err;
      }
    });
  }

  async put(key: string, body: Body): Promise<void> {
    const fullKey = this.keyOf(key);
    if (body instanceof Uint8Array) {
      if (body.length <= this.partSize) return this.putOnce(key, fullKey, body);
      return this.putMultipart(key, fullKey, slices(body, this.partSize));
    }
    const parts = cutParts(body, this.partSize);
    const first = await parts.next();
    if (first.done) return this.putOnce(key, fullKey, new Uint8Array(0));
    if (first.value.last) return this.putOnce(key, fullKey, first.value.bytes);
    return this.putMultipart(key, fullKey, parts, first.value.bytes);
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    const limit = pageLimit(options.limit);
    const out = await this.send('list', prefix, () =>
      this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: this.prefix + prefix,
          StartAfter: options.after === undefined ? undefined : this.prefix + options.after,
          MaxKeys: limit,
        }),
      ),
    );
    const keys = (out.Contents ?? []).map((o) => (o.Key ?? '').slice(this.prefix.length));
    return { keys, next: out.IsTruncated && keys.length > 0 ? keys[keys.length - 1] : undefined };
  }

  async delete(key: string): Promise<void> {
    const fullKey = this.keyOf(key);
    await this.send('delete', key, () => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: fullKey })));
  }

  async exists(key: string): Promise<boolean> {
    return (await this.size(key)) !== undefined;
  }

  async size(key: string): Promise<number | undefined> {
    const fullKey = this.keyOf(key);
    try {
      const out = await this.send('size', key, () => this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: fullKey })));
      return out.ContentLength ?? 0;
    } catch (err) {
      if (err instanceof ObjectNotFound) return undefined;
      throw err;
    }
  }

  describe(): string {
    return `s3://${this.bucket}/${this.prefix}`;
  }

  private keyOf(key: string): string {
    checkObjectKey(key);
    return this.prefix + key;
  }

  /** One S3 request with retries; errors come out as ObjectNotFound, StorageRejected or StorageUnavailable. */
  private async send<T>(operation: string, key: string, request: () => Promise<T>): Promise<T> {
    try {
      return await withRetries(this.retry, request, (err) => classifyS3Error(err) === 'transient', (err, tries) => unavailable(operation, key, err, tries));
    } catch (err) {
      switch (classifyS3Error(err)) {
        case 'not_found':
          throw Object.assign(new ObjectNotFound(key), { cause: err });
        case 'rejected':
          throw Object.assign(rejected(operation, key, err), { cause: err });
        default:
          throw err;
      }
    }
  }

  private async putOnce(key: string, fullKey: string, bytes: Uint8Array): Promise<void> {
    await this.send('put', key, () => this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: fullKey, Body: bytes, ContentLength: bytes.length })));
  }

  /**
   * Uploads `parts` (after `first`, if given) as one multipart upload. A part
   * is read from the source only when fewer than `concurrency` parts are in
   * flight, so reading plus uploading never holds more than that many parts.
   */
  private async putMultipart(key: string, fullKey: string, parts: AsyncGenerator<Part>, first?: Uint8Array): Promise<void> {
    const created = await this.send('put', key, () => this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: fullKey })));
    const uploadId = created.UploadId;
    if (!uploadId) throw unavailable('put', key, new Error('CreateMultipartUpload returned no upload ID'), 1);
    const etags: string[] = [];
    const inflight = new Set<Promise<void>>();
    let failure: { error: unknown } | undefined;
    const start = (partNumber: number, bytes: Uint8Array): void => {
      const upload = this.send(`put (part ${partNumber})`, key, () =>
        this.client.send(new UploadPartCommand({ Bucket: this.bucket, Key: fullKey, UploadId: uploadId, PartNumber: partNumber, Body: bytes, ContentLength: bytes.length })),
      ).then(
        (out) => void (etags[partNumber - 1] = out.ETag ?? ''),
        (error: unknown) => void (failure ??= { error }),
      );
      const tracked: Promise<void> = upload.finally(() => inflight.delete(tracked));
      inflight.add(tracked);
    };
    try {
      let partNumber = 0;
      if (first) start(++partNumber, first);
      for (;;) {
        while (inflight.size >= this.concurrency) await Promise.race(inflight);
        if (failure) break;
        const next = await parts.next(); // a failing source throws here, unchanged
        if (next.done) break;
        if (partNumber >= MAX_PARTS) {
          failure = { error: new InvalidArgument('ObjectTooLarge', `"${key}" needs more than ${MAX_PARTS} parts of ${this.partSize} bytes; raise the part size`, { key, partSize: this.partSize }) };
          break;
        }
        start(++partNumber, next.value.bytes);
        if (next.value.last) break;
      }
      await Promise.all(inflight);
      if (failure) throw failure.error;
      const completed = etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 }));
      await this.send('put (complete)', key, () =>
        this.client.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: fullKey, UploadId: uploadId, MultipartUpload: { Parts: completed } })),
      );
    } catch (err) {
      await Promise.allSettled(inflight);
      await parts.return(undefined).catch(() => undefined);
      await this.send('put (abort)', key, () => this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: fullKey, UploadId: uploadId }))).catch(() => undefined);
      throw err;
    }
  }
}

interface Part {
  bytes: Uint8Array;
  /** True when the source has nothing after this part. */
  last: boolean;
}

/** Cuts a stream into parts of exactly `size` bytes (the last one shorter), knowing which part is the last. */
export async function* cutParts(source: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Part> {
  const iterator = source[Symbol.asyncIterator]();
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let done = false;
  try {
    while (!done) {
      while (pendingBytes < size) {
        const next = await iterator.next();
        if (next.done) {
          done = true;
          break;
        }
        if (next.value.length === 0) continue;
        pending.push(next.value);
        pendingBytes += next.value.length;
      }
      if (pendingBytes === 0) {
        yield { bytes: new Uint8Array(0), last: true };
        return;
      }
      const joined = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
      const bytes = joined.subarray(0, Math.min(size, pendingBytes));
      const rest = joined.subarray(bytes.length);
      pending = rest.length > 0 ? [rest] : [];
      pendingBytes = rest.length;
      if (!done && pendingBytes === 0) {
        // Look one chunk ahead so the caller learns whether this part is the last.
        const next = await iterator.next();
        if (next.done) done = true;
        else {
          pending.push(next.value);
          pendingBytes += next.value.length;
        }
      }
      const last = done && pendingBytes === 0;
      yield { bytes, last };
      if (last) return;
    }
  } finally {
    if (!done) await iterator.return?.();
  }
}

async function* slices(bytes: Uint8Array, size: number): AsyncGenerator<Part> {
  for (let at = 0; at < bytes.length; at += size) yield { bytes: bytes.subarray(at, at + size), last: at + size >= bytes.length };
}

async function* emptyStream(): AsyncGenerator<Uint8Array> {}


export { describeS3Error };
