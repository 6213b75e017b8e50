// Object-store key rules shared by every backend, so that a key one backend
// accepts is accepted by all: '/'-separated segments, no leading or trailing
// '/', no empty, '.' or '..' segments, no NUL, well-formed Unicode, at most
// 1024 UTF-8 bytes (S3's limit). Also the checks on ranges and page sizes that
// every backend applies the same way.
import { InvalidArgument, InvalidObjectKey } from '../errors/index.js';

export const MAX_KEY_BYTES = 1024;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Throws InvalidObjectKey unless `key` follows the rules above; returns its segments. */
export function checkObjectKey(key: string): string[] {
  if (typeof key !== 'string' || key === '') throw new InvalidObjectKey(String(key), 'a key must be a non-empty string');
  if (key.includes('\0')) throw new InvalidObjectKey(key, 'contains a NUL byte');
  if (LONE_SURROGATE.test(key)) throw new InvalidObjectKey(key, 'contains an unpaired surrogate (not valid Unicode)');
  if (key.startsWith('/')) throw new InvalidObjectKey(key, 'keys are relative: no leading "/"');
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) throw new InvalidObjectKey(key, `longer than ${MAX_KEY_BYTES} bytes`);
  const segments = key.split('/');
  for (const segment of segments) {
    if (segment === '') throw new InvalidObjectKey(key, 'empty segment (trailing or doubled "/")');
    if (segment === '.' || segment === '..') throw new InvalidObjectKey(key, `"${segment}" segments are not allowed`);
  }
  return segments;
}

/** Orders keys as S3 does: by their UTF-8 bytes (differs from `<` on strings beyond the BMP). */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Throws InvalidArgument unless offset and length are non-negative safe integers. */
export function checkRange(key: string, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
    throw new InvalidArgument('InvalidRange', `invalid range of "${key}": offset ${offset}, length ${length} (both must be integers >= 0)`, { key, offset, length });
  }
}

export const DEFAULT_PAGE_SIZE = 1000;

/** The page size a list call asked for: an integer >= 1 (default 1000). */
export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isSafeInteger(limit) || limit < 1) throw new InvalidArgument('InvalidPageSize', `list limit must be an integer >= 1, got ${limit}`, { limit });
  return limit;
}
