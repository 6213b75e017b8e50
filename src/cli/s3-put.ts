// `tusk put file ... -f s3://bucket/key-or-prefix`: which objects go where,
// with the same rules as a local path (put-plan.ts): one object to :/PATH or
// /<its base name>; with -r, every object under the prefix at its path below
// the prefix (under :/PATH). The endpoint, region and credentials come from
// --s3-endpoint / --s3-region, else the standard AWS variables.
import type { FileWriter } from '../client/index.js';
import { S3Source } from '../client/s3-source.js';
import { InvalidStorageUrl } from '../errors/index.js';
import { makeS3Client } from '../storage/s3-client.js';
import { s3Settings, splitS3Url, type Env } from '../storage/s3-settings.js';
import { dirEntryDestination, fileDestination } from './put-plan.js';
import { usageError } from './usage.js';

export interface S3PutOptions {
  /** The s3:// URL given to -f. */
  url: string;
  recursive: boolean;
  endpoint?: string;
  region?: string;
  /** Count the objects and bytes first, for a progress bar (one more listing of a prefix). */
  wantTotals: boolean;
}

export interface S3PutPlan {
  totalBytes: number;
  totalFiles: number;
  write(writer: FileWriter, options: { append: boolean }, fileDone: () => void): Promise<void>;
  close(): void;
}

export function isS3Url(file: string): boolean {
  return /^s3:\/\//i.test(file);
}

export async function planS3Put(opts: S3PutOptions, repoPath: string | undefined, env: Env): Promise<S3PutPlan> {
  const { bucket, key } = splitS3Url(opts.url);
  const settings = s3Settings(env, { endpoint: opts.endpoint, region: opts.region }, (reason) => new InvalidStorageUrl(opts.url, reason));
  const client = makeS3Client(settings);
  const close = () => client.destroy();
  try {
    const source = new S3Source({ client, bucket });
    if (!opts.recursive && key === '') throw usageError(`${opts.url} names a whole bucket: add -r to put its objects`);
    const selection = await source.select(key, opts.recursive);
    if (selection.kind === 'object') {
      const { object } = selection;
      const dest = fileDestination(repoPath, object.key);
      return { totalBytes: object.size, totalFiles: 1, close, write: (w, o) => w.putFile(dest, source.read(object), o) };
    }
    if (!opts.recursive) throw usageError(`${opts.url} is a prefix, not an object: add -r to put the objects under it`);
    const { prefix } = selection;
    let totalBytes = 0;
    let totalFiles = 0;
    if (opts.wantTotals) {
      for await (const o of source.list(prefix)) {
        totalBytes += o.size;
        totalFiles++;
      }
    }
    return {
      totalBytes,
      totalFiles,
      close,
      async write(w, o, fileDone) {
        for await (const { object, data } of source.withBodies(source.list(prefix))) {
          await w.putFile(dirEntryDestination(repoPath, object.key.slice(prefix.length)), data, o);
          fileDone();
        }
      },
    };
  } catch (err) {
    close();
    throw err;
  }
}
