// Who sent an S3 request: checks its AWS Signature Version 4 (Authorization
// header or presigned query) against the configured key pair, the clock skew
// and a presigned URL's expiry, and says how the body is protected (a hex
// sha256 to verify, unsigned, or aws-chunked with chained chunk signatures).
// Anonymous requests pass only when the gateway was told to allow them.
import type { IncomingMessage } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { S3Denied, S3Invalid } from '../../errors/index.js';
import { ALGORITHM, canonicalRequest, signingKey, sign, stringToSign, uriEncode, type SigningKeys } from './sigv4.js';

export interface S3Credentials {
  /** Access key ID → secret access key (a Map, or the issued keys once access control is on). */
  keys: { get(accessKeyId: string): string | undefined };
  /** Accept unsigned requests (and signatures made with keys we do not know). */
  anonymous: boolean;
  /** How to get a key that works here, said to an unsigned request or an unknown key (it depends on the mode). */
  hint?: string;
}

/** How the request body is protected. */
export type Payload =
  | { kind: 'unsigned' }
  | { kind: 'sha256'; hash: string }
  | { kind: 'chunked'; signed: boolean; trailer: boolean };

export interface Signing {
  key: Buffer;
  amzDate: string;
  scope: string;
  /** The request's own signature: the seed of an aws-chunked body's chunk signatures. */
  signature: string;
}

export interface Identity {
  /** The access key ID, or undefined for an anonymous request. */
  accessKey?: string;
  payload: Payload;
  /** Set when chunk signatures must be checked. */
  signing?: Signing;
}

const MAX_SKEW_MS = 15 * 60 * 1000;
const MAX_EXPIRES = 7 * 24 * 3600;

/** `keys`: signing keys derived before (the gateway keeps one cache); without it each request derives its own. */
export function authenticate(req: IncomingMessage, rawPath: string, query: [string, string][], creds: S3Credentials, now: Date, keys?: SigningKeys): Identity {
  const header = req.headers.authorization;
  const q = new Map(query);
  const contentSha = headerOf(req, 'x-amz-content-sha256');
  if (header) {
    if (/^AWS /.test(header)) throw new S3Invalid('InvalidRequest', 'Signature Version 2 is not supported by the Tusk S3 gateway; sign requests with AWS Signature Version 4 (AWS4-HMAC-SHA256)');
    if (!header.startsWith(`${ALGORITHM} `)) throw new S3Invalid('AuthorizationHeaderMalformed', `unsupported authorization scheme; use ${ALGORITHM}`);
    const fields = parseAuthHeader(header.slice(ALGORITHM.length + 1));
    const amzDate = headerOf(req, 'x-amz-date') ?? '';
    const time = parseAmzDate(amzDate) ?? (req.headers.date ? new Date(req.headers.date) : undefined);
    if (!time || Number.isNaN(time.getTime())) throw new S3Denied('AccessDenied', 'the request has no valid X-Amz-Date or Date header');
    if (Math.abs(now.getTime() - time.getTime()) > MAX_SKEW_MS) {
      throw new S3Denied('RequestTimeTooSkewed', 'the difference between the request time and the server time is too large (more than 15 minutes)', { requestTime: time.toISOString(), serverTime: now.toISOString() });
    }
    const payload = payloadOf(contentSha);
    const verified = verify(req, rawPath, query, creds, keys, {
      credential: fields.Credential ?? '',
      signedHeaders: fields.SignedHeaders ?? '',
      signature: fields.Signature ?? '',
      amzDate: amzDate || toAmzDate(time),
      payloadHash: contentSha ?? 'UNSIGNED-PAYLOAD',
    });
    if (!verified) return { payload: unverifiedPayload(payload) };
    return { accessKey: verified.accessKey, payload, signing: verified.signing };
  }
  if (q.has('X-Amz-Algorithm') || q.has('X-Amz-Signature')) {
    if (q.get('X-Amz-Algorithm') !== ALGORITHM) throw new S3Invalid('AuthorizationHeaderMalformed', `X-Amz-Algorithm must be ${ALGORITHM}`);
    const amzDate = q.get('X-Amz-Date') ?? '';
    const time = parseAmzDate(amzDate);
    const expires = Number(q.get('X-Amz-Expires') ?? '');
    if (!time) throw new S3Denied('AccessDenied', 'X-Amz-Date is missing or malformed');
    if (!Number.isInteger(expires) || expires < 1 || expires > MAX_EXPIRES) throw new S3Denied('AccessDenied', `X-Amz-Expires must be between 1 and ${MAX_EXPIRES} seconds`);
    if (now.getTime() < time.getTime() - MAX_SKEW_MS) throw new S3Denied('AccessDenied', 'Request is not valid yet');
    if (now.getTime() > time.getTime() + expires * 1000) throw new S3Denied('AccessDenied', 'Request has expired', { expires: new Date(time.getTime() + expires * 1000).toISOString() });
    const verified = verify(req, rawPath, query.filter(([k]) => k !== 'X-Amz-Signature'), creds, keys, {
      credential: q.get('X-Amz-Credential') ?? '',
      signedHeaders: q.get('X-Amz-SignedHeaders') ?? '',
      signature: q.get('X-Amz-Signature') ?? '',
      amzDate,
      payloadHash: contentSha ?? 'UNSIGNED-PAYLOAD',
    });
    const payload = payloadOf(contentSha);
    return verified ? { accessKey: verified.accessKey, payload } : { payload: unverifiedPayload(payload) };
  }
  if (!creds.anonymous) throw new S3Denied('AccessDenied', `anonymous access is off: ${creds.hint ?? 'sign requests with the key in TUSK_S3_ACCESS_KEY_ID (or start tuskd with TUSK_S3_ANONYMOUS=true)'}`);
  return { payload: unverifiedPayload(payloadOf(contentSha)) };
}

interface Claimed {
  credential: string;
  signedHeaders: string;
  signature: string;
  amzDate: string;
  payloadHash: string;
}

/** Checks a claimed signature; undefined when an unknown key is let through as anonymous. */
function verify(req: IncomingMessage, rawPath: string, query: [string, string][], creds: S3Credentials, keys: SigningKeys | undefined, c: Claimed): { accessKey: string; signing: Signing } | undefined {
  const parts = c.credential.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request' || !/^\d{8}$/.test(parts[1]!) || !c.signature || !c.signedHeaders) {
    throw new S3Invalid('AuthorizationHeaderMalformed', 'the authorization is malformed: expected Credential=KEY/DATE/REGION/s3/aws4_request, SignedHeaders and Signature');
  }
  const [accessKey, date, region, service] = parts as [string, string, string, string, string];
  const secret = creds.keys.get(accessKey);
  if (secret === undefined) {
    if (creds.anonymous) return undefined;
    throw new S3Denied('InvalidAccessKeyId', `the AWS access key ID you provided does not exist in our records${creds.hint ? `; ${creds.hint}` : ''}`, { accessKey });
  }
  if (service !== 's3') throw new S3Invalid('AuthorizationHeaderMalformed', `the credential scope names service "${service}", not s3`);
  if (c.amzDate.slice(0, 8) !== date) throw new S3Invalid('AuthorizationHeaderMalformed', `the credential scope date ${date} does not match the request date ${c.amzDate}`);
  const signedHeaders = c.signedHeaders.split(';');
  if (!signedHeaders.includes('host')) throw new S3Invalid('AuthorizationHeaderMalformed', 'the host header must be signed');
  const key = keys ? keys.get(secret, date, region, service) : signingKey(secret, date, region, service);
  const scope = `${date}/${region}/${service}/aws4_request`;
  for (const path of canonicalPaths(rawPath)) {
    const canonical = canonicalRequest({ method: req.method ?? 'GET', path, query, signedHeaders, header: (n) => req.headers[n], payloadHash: c.payloadHash });
    const expected = sign(key, stringToSign(c.amzDate, scope, canonical));
    if (safeEqual(expected, c.signature)) return { accessKey, signing: { key, amzDate: c.amzDate, scope, signature: c.signature } };
  }
  throw new S3Denied('SignatureDoesNotMatch', 'the request signature we calculated does not match the signature you provided; check your secret access key and signing method', { accessKey });
}

/** The encoded path as clients sign it: re-encoded strictly, or exactly as sent. */
function canonicalPaths(rawPath: string): string[] {
  let strict: string;
  try {
    strict = rawPath.split('/').map((seg) => uriEncode(decodeURIComponent(seg))).join('/');
  } catch {
    strict = rawPath;
  }
  return strict === rawPath ? [rawPath] : [strict, rawPath];
}

function payloadOf(contentSha: string | undefined): Payload {
  if (contentSha === undefined || contentSha === 'UNSIGNED-PAYLOAD') return { kind: 'unsigned' };
  if (contentSha === 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD') return { kind: 'chunked', signed: true, trailer: false };
  if (contentSha === 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER') return { kind: 'chunked', signed: true, trailer: true };
  if (contentSha === 'STREAMING-UNSIGNED-PAYLOAD-TRAILER') return { kind: 'chunked', signed: false, trailer: true };
  if (/^[0-9a-f]{64}$/.test(contentSha)) return { kind: 'sha256', hash: contentSha };
  throw new S3Invalid('InvalidArgument', `x-amz-content-sha256 must be a hex sha256 or one of UNSIGNED-PAYLOAD, STREAMING-*; got "${contentSha}"`);
}

/** Without a verified key, chunk signatures cannot be checked: the framing is still decoded. */
function unverifiedPayload(p: Payload): Payload {
  return p.kind === 'chunked' ? { ...p, signed: false } : p;
}

function parseAuthHeader(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

export function parseAmzDate(s: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return undefined;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function toAmzDate(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
