// What an error from the S3 SDK means for us, in one table: a missing object,
// a transient failure worth retrying (throttling, 5xx, dropped connections), or
// a refusal that retrying cannot fix (access denied, no such bucket).
import { StorageRejected, StorageUnavailable } from '../errors/index.js';

/** `other`: not from S3 or the network at all (a bug, a caller's stream failing): passed on unchanged. */
export type S3ErrorClass = 'not_found' | 'transient' | 'rejected' | 'other';

const NOT_FOUND = new Set(['NoSuchKey', 'NotFound']);
const TRANSIENT_NAMES = new Set([
  'SlowDown', 'Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded',
  'RequestTimeout', 'RequestTimeoutException', 'InternalError', 'ServiceUnavailable', 'TimeoutError',
]);
const NETWORK_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH',
  'ENETDOWN', 'EAI_AGAIN', 'ENOTFOUND', 'UND_ERR_SOCKET',
]);

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  cause?: unknown;
}

export function httpStatus(err: unknown): number | undefined {
  return (err as SdkError | undefined)?.$metadata?.httpStatusCode;
}

export function classifyS3Error(err: unknown): S3ErrorClass {
  const e = (err ?? {}) as SdkError;
  const status = httpStatus(err);
  if (e.name === 'NoSuchBucket') return 'rejected';
  if (NOT_FOUND.has(e.name ?? '')) return 'not_found';
  if (TRANSIENT_NAMES.has(e.name ?? '')) return 'transient';
  if (status !== undefined) {
    if (status === 404) return 'not_found';
    return status === 429 || status >= 500 ? 'transient' : 'rejected';
  }
  // No HTTP answer at all: the connection failed somewhere.
  for (let c: SdkError | undefined = e, depth = 0; c && depth < 4; c = c.cause as SdkError | undefined, depth++) {
    if (NETWORK_CODES.has(c.code ?? '')) return 'transient';
  }
  return 'other';
}

export function describeS3Error(err: unknown): string {
  const e = (err ?? {}) as SdkError;
  const status = httpStatus(err);
  const label = [e.name && e.name !== 'Error' ? e.name : e.code, status ? `HTTP ${status}` : undefined].filter(Boolean).join(', ');
  return `${label ? `${label}: ` : ''}${e.message ?? String(err)}`;
}

export function rejected(operation: string, key: string, err: unknown): StorageRejected {
  return new StorageRejected(operation, `${key}: ${describeS3Error(err)}`);
}

export function unavailable(operation: string, key: string, err: unknown, tries: number): StorageUnavailable {
  return new StorageUnavailable(operation, `${key}: ${describeS3Error(err)} (gave up after ${tries} tries)`, { cause: err });
}
