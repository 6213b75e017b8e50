// Turns a TUSK_STORAGE URL into an ObjectStore:
//   file:///abs/path                                     a local directory (FsStore)
//   s3://bucket[/prefix][?endpoint=http://host:port][&region=us-east-1]   an S3 bucket (S3Store)
// S3 credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
// AWS_SESSION_TOKEN in `env` (else the SDK's default chain: profile, instance
// role); the region from the URL, else AWS_REGION, else us-east-1. Anything
// else is an InvalidStorageUrl that says what is wrong.
import { fileURLToPath } from 'node:url';
import { InvalidStorageUrl } from '../errors/index.js';
import { FsStore } from './fs-store.js';
import type { ObjectStore } from './object-store.js';
import { makeS3Client, type S3ClientSettings } from './s3-client.js';
import { checkEndpoint, credentialsFromEnv, s3Settings, type Env } from './s3-settings.js';
import { S3Store } from './s3-store.js';

const S3_PARAMS = new Set(['endpoint', 'region']);
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export type { Env };

export function openObjectStore(url: string, env: Env = process.env): ObjectStore {
  const target = parseStorageUrl(url, env);
  if (target.kind === 'file') return new FsStore(target.path);
  return new S3Store({
    client: makeS3Client({ endpoint: target.endpoint, region: target.region, credentials: target.credentials }),
    bucket: target.bucket,
    prefix: target.prefix,
  });
}

/**
 * An S3Store over the bucket and key prefix of an s3:// URL outside Tusk's own
 * storage (a pipeline's egress target): the URL's ?endpoint= and ?region= if
 * given, else the AWS environment (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL,
 * AWS_REGION, ...). close() releases the client's connections.
 */
export function openS3Prefix(url: string, env: Env = process.env): { store: S3Store; close(): void } {
  const target = parseStorageUrl(url, env);
  if (target.kind !== 's3') throw new InvalidStorageUrl(url, 'only s3://bucket/prefix URLs are supported here');
  const settings = s3Settings(env, { endpoint: target.endpoint, region: target.region }, (reason) => new InvalidStorageUrl(url, reason));
  const client = makeS3Client(settings);
  // Two parts in flight per object: a caller writing several objects at once (egress writes 4) holds at most 8 parts.
  return { store: new S3Store({ client, bucket: target.bucket, prefix: target.prefix, concurrency: 2 }), close: () => client.destroy() };
}

export type StorageTarget =
  | { kind: 'file'; path: string }
  | { kind: 's3'; bucket: string; prefix: string; endpoint?: string; region: string; credentials?: S3ClientSettings['credentials'] };

/** Parses and checks a storage URL without opening anything. */
export function parseStorageUrl(url: string, env: Env = process.env): StorageTarget {
  const bad = (reason: string): InvalidStorageUrl => new InvalidStorageUrl(url, reason);
  if (typeof url !== 'string' || url.trim() === '') throw bad('empty; use file:///abs/path or s3://bucket/prefix');
  if (url.startsWith('/')) throw bad(`a bare path; write it as file://${url}`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw bad('not a URL; use file:///abs/path or s3://bucket/prefix');
  }
  if (parsed.protocol === 'file:') return parseFileUrl(url, parsed, bad);
  if (parsed.protocol === 's3:') return parseS3Url(url, parsed, env, bad);
  throw bad(`unsupported scheme "${parsed.protocol.slice(0, -1)}"; use file:///abs/path or s3://bucket/prefix`);
}

function parseFileUrl(url: string, parsed: URL, bad: (reason: string) => InvalidStorageUrl): StorageTarget {
  if (!/^file:\/\/(localhost)?\//i.test(url)) throw bad('a file URL needs an absolute path: file:///abs/path');
  if (parsed.search || parsed.hash) throw bad('a file URL takes no query or fragment');
  const path = fileURLToPath(parsed);
  if (path.includes('\0')) throw bad('the path contains a NUL byte');
  return { kind: 'file', path };
}

function parseS3Url(url: string, parsed: URL, env: Env, bad: (reason: string) => InvalidStorageUrl): StorageTarget {
  if (parsed.username || parsed.password) throw bad('put credentials in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, not in the URL');
  if (parsed.port) throw bad('the bucket cannot have a port; give the server as ?endpoint=http://host:port');
  const bucket = parsed.hostname;
  if (!bucket) throw bad('no bucket; use s3://bucket/prefix');
  if (!BUCKET.test(bucket)) throw bad(`"${bucket}" is not a valid bucket name (3-63 characters: lowercase letters, digits, '.' and '-')`);
  if (parsed.hash) throw bad('an s3 URL takes no fragment');
  for (const name of new Set(parsed.searchParams.keys())) {
    if (!S3_PARAMS.has(name)) throw bad(`unknown parameter "${name}" (known: ${[...S3_PARAMS].join(', ')})`);
    if (parsed.searchParams.getAll(name).length > 1) throw bad(`parameter "${name}" given twice`);
  }
  // The raw path, not parsed.pathname: URL parsing silently resolves "a/../b" to "b".
  const rawPath = url.replace(/^s3:\/\/[^/?#]*/i, '').split(/[?#]/)[0] ?? '';
  let prefix: string;
  try {
    prefix = decodeURIComponent(rawPath).replace(/^\/+|\/+$/g, '');
  } catch {
    throw bad('the key prefix is not valid percent-encoding');
  }
  if (prefix.split('/').some((s) => s === '.' || s === '..') || /\/\/|\0/.test(prefix)) throw bad(`the key prefix "${prefix}" has empty, '.' or '..' segments`);
  const endpoint = parsed.searchParams.get('endpoint') ?? undefined;
  if (endpoint !== undefined) checkEndpoint(endpoint, bad);
  const region = parsed.searchParams.get('region') ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1');
  if (!/^[a-z0-9-]+$/.test(region)) throw bad(`"${region}" is not a region name`);
  return { kind: 's3', bucket, prefix, endpoint, region, credentials: credentialsFromEnv(env, bad) };
}
