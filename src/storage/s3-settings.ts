// Where an S3 client's endpoint, region and credentials come from, for every
// S3 location Tusk talks to (its own object store, `put file -f s3://...`
// sources, pipeline egress targets): explicit settings (URL parameters, CLI
// flags) first, then the standard AWS environment variables, as the AWS CLI
// reads them. Also splits a plain s3://bucket/key URL.
import { InvalidStorageUrl } from '../errors/index.js';
import type { S3ClientSettings, S3Credentials } from './s3-client.js';

export type Env = Record<string, string | undefined>;

/** Makes the error for a bad setting; `reason` says what is wrong. */
export type Complaint = (reason: string) => Error;

export interface S3EndpointChoice {
  /** e.g. http://127.0.0.1:9000; else AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL, else AWS itself. */
  endpoint?: string;
  /** Else AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1. */
  region?: string;
}

/** Client settings for `choice` over the AWS variables in `env`. */
export function s3Settings(env: Env, choice: S3EndpointChoice, bad: Complaint): S3ClientSettings {
  const endpoint = choice.endpoint || env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
  if (endpoint !== undefined) checkEndpoint(endpoint, bad);
  const region = choice.region || env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1';
  if (!/^[a-z0-9-]+$/.test(region)) throw bad(`"${region}" is not a region name`);
  return { endpoint, region, credentials: credentialsFromEnv(env, bad) };
}

/** AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN); undefined (neither set) means the SDK's default chain. */
export function credentialsFromEnv(env: Env, bad: Complaint): S3Credentials | undefined {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId && !secretAccessKey) return undefined;
  if (!accessKeyId || !secretAccessKey) throw bad(`AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together (only ${accessKeyId ? 'AWS_ACCESS_KEY_ID' : 'AWS_SECRET_ACCESS_KEY'} is)`);
  return { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN || undefined };
}

/** An endpoint is scheme, host and port only: path-style addressing adds the bucket. */
export function checkEndpoint(endpoint: string, bad: Complaint): void {
  let e: URL;
  try {
    e = new URL(endpoint);
  } catch {
    throw bad(`endpoint "${endpoint}" is not a URL (e.g. http://127.0.0.1:9000)`);
  }
  if (e.protocol !== 'http:' && e.protocol !== 'https:') throw bad(`endpoint "${endpoint}" must be http:// or https://`);
  if (!e.hostname) throw bad(`endpoint "${endpoint}" has no host`);
  if ((e.pathname !== '/' && e.pathname !== '') || e.search || e.hash) throw bad(`endpoint "${endpoint}" must be just scheme, host and port (path-style addressing adds the bucket)`);
}

export interface S3Location {
  bucket: string;
  /** Everything after the bucket's '/', taken literally as S3 keys are ('' for the whole bucket). */
  key: string;
}

/** s3://bucket[/key]; InvalidStorageUrl for anything else. Keys are not percent-decoded (as in the AWS CLI). */
export function splitS3Url(url: string): S3Location {
  const m = /^s3:\/\/([^/]*)(?:\/(.*))?$/s.exec(url);
  if (!m) throw new InvalidStorageUrl(url, 'not an s3://bucket/key URL');
  const bucket = m[1]!;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{1,254}$/.test(bucket)) throw new InvalidStorageUrl(url, bucket === '' ? 'no bucket; use s3://bucket/key' : `"${bucket}" is not a bucket name`);
  return { bucket, key: m[2] ?? '' };
}
