// Reading objects from any S3 endpoint for `tusk put file -f s3://...`: which
// objects an s3:// URL names (one key, or every key under a prefix), and each
// object's bytes as a stream, never whole in memory. Listing and opening are
// retried with backoff on throttling, 5xx and dropped connections; a body cut
// off mid-way is resumed with a ranged GET from the byte it stopped at. Errors
// are one line naming the URL: S3SourceNotFound (no such bucket or key) or
// S3TransferFailed.
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { S3SourceNotFound, S3TransferFailed } from '../errors/index.js';
import { DEFAULT_RETRY, withRetries, type RetryPolicy } from '../storage/retry.js';
import { classifyS3Error, describeS3Error } from '../storage/s3-errors.js';
import { resumeBody } from '../storage/s3-resume.js';

export interface S3SourceObject {
  key: string;
  size: number;
}

/** What an s3:// URL names: one object, or the objects under a prefix (`prefix` ends in '/' unless it is ''). */
export type S3Selection = { kind: 'object'; object: S3SourceObject } | { kind: 'prefix'; prefix: string };

export interface S3SourceOptions {
  client: S3Client;
  bucket: string;
  retry?: Partial<RetryPolicy>;
}

export class S3Source {
  readonly bucket: string;
  private readonly client: S3Client;
  private readonly retry: RetryPolicy;

  constructor(options: S3SourceOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
  }

  /** s3://bucket/key, for messages. */
  url(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  /**
   * What `key` names, like a local path: an object at exactly `key` (unless `preferPrefix`
   * and there are objects under `key/`), else the prefix `key/` if any object is under it.
   * Throws S3SourceNotFound naming the bucket or the key when neither exists.
   */
  async select(key: string, preferPrefix: boolean): Promise<S3Selection> {
    const prefix = key === '' || key.endsWith('/') ? key : `${key}/`;
    const underPrefix = async () => (await this.listPage(prefix, undefined, 1)).objects.length > 0;
    if (key !== prefix) {
      if (preferPrefix && (await underPrefix())) return { kind: 'prefix', prefix };
      const size = await this.head(key);
      if (size !== undefined) return { kind: 'object', object: { key, size } };
    }
    if (await underPrefix()) return { kind: 'prefix', prefix };
    throw new S3SourceNotFound(this.url(key), 'key', key === '' ? 'the bucket is empty' : key === prefix ? 'no objects under this prefix' : 'no such key');
  }

  /** The object's size, or undefined when there is none at `key`. */
  async head(key: string): Promise<number | undefined> {
    try {
      const out = await this.send(key, () => this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key })));
      return out.ContentLength ?? 0;
    } catch (err) {
      if (err instanceof S3SourceNotFound && err.missing === 'key') return undefined;
      throw err;
    }
  }

  /** Every object under `prefix`, in key order; keys ending in '/' (folder markers) are left out. */
  async *list(prefix: string): AsyncGenerator<S3SourceObject> {
    let token: string | undefined;
    do {
      const page = await this.listPage(prefix, token, 1000);
      for (const o of page.objects) if (!o.key.endsWith('/')) yield o;
      token = page.next;
    } while (token);
  }

  /**
   * The object's bytes as they arrive. A connection dropped mid-body is resumed
   * from the next byte with a ranged GET (up to the retry policy's tries in a
   * row without progress); `size` is what listing said, and a body of another
   * length is an error (the object changed while it was read).
   */
  async *read(object: S3SourceObject): AsyncGenerator<Uint8Array> {
    const open = (offset: number) =>
      this.send(object.key, () => this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: object.key, Range: offset > 0 ? `bytes=${offset}-` : undefined })));
    let offset = 0;
    for await (const piece of resumeBody(await open(0), open, this.retry, (err, tries) => this.failed(object.key, err, tries))) {
      offset += piece.length;
      yield piece;
    }
    if (offset !== object.size) {
      throw new S3TransferFailed(this.url(object.key), `read ${offset} bytes where the listing said ${object.size} (did the object change?)`, false);
    }
  }

  /**
   * Each object of `objects` with its bytes, in order: an object of at most
   * `small` bytes is fetched whole, up to `ahead` of them at once while the
   * caller is busy with earlier ones (a GET per tiny object would otherwise
   * cost a round trip each); a larger one comes as a stream, read only when
   * the caller iterates it. Holds at most `ahead` × `small` bytes.
   */
  async *withBodies(objects: AsyncIterable<S3SourceObject>, options: { small?: number; ahead?: number } = {}): AsyncGenerator<{ object: S3SourceObject; data: Uint8Array | AsyncIterable<Uint8Array> }> {
    const small = options.small ?? 256 * 1024;
    const ahead = Math.max(1, options.ahead ?? 8);
    const iterator = objects[Symbol.asyncIterator]();
    const queue: { object: S3SourceObject; bytes?: Promise<Uint8Array> }[] = [];
    let listed = false;
    try {
      for (;;) {
        while (!listed && queue.length < ahead) {
          const next = await iterator.next();
          if (next.done) listed = true;
          else {
            const object = next.value;
            const bytes = object.size <= small ? this.readWhole(object) : undefined;
            bytes?.catch(() => undefined); // awaited in turn below; not an unhandled rejection meanwhile
            queue.push({ object, bytes });
          }
        }
        const head = queue.shift();
        if (!head) return;
        yield { object: head.object, data: head.bytes ? await head.bytes : this.read(head.object) };
      }
    } finally {
      if (!listed) await iterator.return?.();
    }
  }

  private async readWhole(object: S3SourceObject): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    for await (const piece of this.read(object)) parts.push(piece);
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  private async listPage(prefix: string, token: string | undefined, max: number): Promise<{ objects: S3SourceObject[]; next?: string }> {
    const out = await this.send(prefix, () =>
      this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix || undefined, ContinuationToken: token, MaxKeys: max })),
    );
    const objects = (out.Contents ?? []).map((o) => ({ key: o.Key ?? '', size: o.Size ?? 0 }));
    return { objects, next: out.IsTruncated ? out.NextContinuationToken : undefined };
  }

  /** One request with retries; S3's answers become S3SourceNotFound or S3TransferFailed. */
  private async send<T>(key: string, request: () => Promise<T>): Promise<T> {
    let tries = 1;
    try {
      return await withRetries(this.retry, request, (err) => classifyS3Error(err) === 'transient', (err, t) => {
        tries = t;
        return err as Error;
      });
    } catch (err) {
      const name = (err as { name?: string }).name;
      if (name === 'NoSuchBucket') throw new S3SourceNotFound(`s3://${this.bucket}`, 'bucket', `no such bucket "${this.bucket}"`);
      if (classifyS3Error(err) === 'not_found') throw new S3SourceNotFound(this.url(key), 'key', 'no such key');
      throw this.failed(key, err, tries);
    }
  }

  private failed(key: string, err: unknown, tries: number): S3TransferFailed {
    const transient = classifyS3Error(err) === 'transient';
    const reason = describeS3Error(err) + (transient && tries > 1 ? ` (gave up after ${tries} tries)` : '');
    return new S3TransferFailed(this.url(key), reason, transient, { cause: err });
  }
}
