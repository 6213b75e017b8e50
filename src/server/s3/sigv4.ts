// AWS Signature Version 4, the pure part: canonical requests, strings to sign,
// signing keys and the chunk signatures of aws-chunked bodies. No clock, no
// sockets: the verifier in auth.ts feeds it what the request carried.
import { createHash, createHmac } from 'node:crypto';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** Each byte as SigV4 writes it: itself if unreserved (A-Z a-z 0-9 - _ . ~), else %XX. */
const ENCODED_BYTE = Array.from({ length: 256 }, (_, byte) => {
  const c = String.fromCharCode(byte);
  return /[A-Za-z0-9\-_.~]/.test(c) ? c : '%' + byte.toString(16).toUpperCase().padStart(2, '0');
});

/** RFC 3986 percent-encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ (and '/' when asked). */
export function uriEncode(s: string, keepSlash = false): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) out += keepSlash && byte === 0x2f ? '/' : ENCODED_BYTE[byte]!;
  return out;
}

/** The canonical query string: decoded pairs, re-encoded, sorted by name then value. */
export function canonicalQuery(pairs: [string, string][]): string {
  return pairs
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

export function canonicalHeaderValue(value: string | string[] | undefined): string {
  const v = Array.isArray(value) ? value.join(',') : (value ?? '');
  return v.trim().replace(/\s+/g, ' ');
}

export interface CanonicalRequestInput {
  method: string;
  /** The path as it goes into the canonical request (already URI-encoded). */
  path: string;
  query: [string, string][];
  /** Lower-case names of the signed headers, in the order the client listed them. */
  signedHeaders: string[];
  header(name: string): string | string[] | undefined;
  payloadHash: string;
}

export function canonicalRequest(r: CanonicalRequestInput): string {
  const names = [...r.signedHeaders].sort();
  const headers = names.map((n) => `${n}:${canonicalHeaderValue(r.header(n))}\n`).join('');
  return [r.method, r.path, canonicalQuery(r.query), headers, names.join(';'), r.payloadHash].join('\n');
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Uint8Array, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** The key derived from the secret for one day, region and service. */
export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
}

/** Signing keys already derived (four HMACs each), by secret, day, region and service; at most `max` kept. */
export class SigningKeys {
  private readonly keys = new Map<string, Buffer>();

  constructor(private readonly max = 64) {}

  get(secret: string, date: string, region: string, service: string): Buffer {
    const id = `${date}\u0000${region}\u0000${service}\u0000${secret}`;
    let key = this.keys.get(id);
    if (!key) {
      key = signingKey(secret, date, region, service);
      if (this.keys.size >= this.max) this.keys.clear(); // a new day, or many keys: derive again
      this.keys.set(id, key);
    }
    return key;
  }
}

export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return [ALGORITHM, amzDate, scope, sha256Hex(canonical)].join('\n');
}

export function sign(key: Uint8Array, text: string): string {
  return createHmac('sha256', key).update(text, 'utf8').digest('hex');
}

/** The signature of one aws-chunked chunk, chained to the previous one. */
export function chunkSignature(key: Uint8Array, amzDate: string, scope: string, previous: string, chunkHash: string): string {
  return sign(key, ['AWS4-HMAC-SHA256-PAYLOAD', amzDate, scope, previous, EMPTY_SHA256, chunkHash].join('\n'));
}

/** The signature of the trailing headers of an aws-chunked body. */
export function trailerSignature(key: Uint8Array, amzDate: string, scope: string, previous: string, trailerHash: string): string {
  return sign(key, ['AWS4-HMAC-SHA256-TRAILER', amzDate, scope, previous, trailerHash].join('\n'));
}
