// SigV4 checked against the worked examples in the Amazon S3 documentation
// (GET with a Range header; a 64 KiB + 1 KiB aws-chunked upload), so the
// gateway agrees with AWS, not merely with itself.
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { authenticate, type S3Credentials } from './auth.js';
import { decodeAwsChunked } from './aws-chunked.js';
import { chunkSignature, signingKey, SigningKeys, uriEncode } from './sigv4.js';

const KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const creds: S3Credentials = { keys: new Map([[KEY_ID, SECRET]]), anonymous: false };
const WHEN = new Date('2013-05-24T00:00:00Z');

function request(method: string, headers: Record<string, string>): IncomingMessage {
  return { method, headers } as unknown as IncomingMessage;
}

describe('authenticate', () => {
  const getHeaders = {
    host: 'examplebucket.s3.amazonaws.com',
    range: 'bytes=0-9',
    'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    'x-amz-date': '20130524T000000Z',
    authorization:
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
  };

  it("accepts the documentation's signed GET and names the key", () => {
    const id = authenticate(request('GET', getHeaders), '/test.txt', [], creds, WHEN);
    expect(id.accessKey).toBe(KEY_ID);
    expect(id.payload).toEqual({ kind: 'sha256', hash: getHeaders['x-amz-content-sha256'] });
  });

  it('refuses it with another secret, another range, an unknown key, or 16 minutes later', () => {
    const other: S3Credentials = { keys: new Map([[KEY_ID, 'not the secret']]), anonymous: false };
    expect(() => authenticate(request('GET', getHeaders), '/test.txt', [], other, WHEN)).toThrow(expect.objectContaining({ code: 'SignatureDoesNotMatch' }));
    expect(() => authenticate(request('GET', { ...getHeaders, range: 'bytes=0-10' }), '/test.txt', [], creds, WHEN)).toThrow(expect.objectContaining({ code: 'SignatureDoesNotMatch' }));
    const unknown: S3Credentials = { keys: new Map([['OTHER', SECRET]]), anonymous: false };
    expect(() => authenticate(request('GET', getHeaders), '/test.txt', [], unknown, WHEN)).toThrow(expect.objectContaining({ code: 'InvalidAccessKeyId' }));
    expect(() => authenticate(request('GET', getHeaders), '/test.txt', [], creds, new Date(WHEN.getTime() + 16 * 60_000))).toThrow(expect.objectContaining({ code: 'RequestTimeTooSkewed' }));
    expect(() => authenticate(request('GET', { host: 'x' }), '/test.txt', [], creds, WHEN)).toThrow(expect.objectContaining({ code: 'AccessDenied' }));
  });

  it('tells an unknown key and an unsigned request how to get a key that works here', () => {
    const hinted: S3Credentials = { keys: new Map([['OTHER', SECRET]]), anonymous: false, hint: 'use a key from X' };
    expect(() => authenticate(request('GET', getHeaders), '/test.txt', [], hinted, WHEN)).toThrow(/does not exist in our records; use a key from X$/);
    expect(() => authenticate(request('GET', { host: 'x' }), '/test.txt', [], hinted, WHEN)).toThrow(/^anonymous access is off: use a key from X$/);
  });

  it('with a cache of signing keys: the same answers, also after the secret changes', () => {
    const keys = new SigningKeys(2);
    for (let i = 0; i < 3; i++) expect(authenticate(request('GET', getHeaders), '/test.txt', [], creds, WHEN, keys).accessKey).toBe(KEY_ID);
    const other: S3Credentials = { keys: new Map([[KEY_ID, 'not the secret']]), anonymous: false };
    expect(() => authenticate(request('GET', getHeaders), '/test.txt', [], other, WHEN, keys)).toThrow(expect.objectContaining({ code: 'SignatureDoesNotMatch' }));
    expect(keys.get(SECRET, '20130525', 'us-east-1', 's3')).toEqual(signingKey(SECRET, '20130525', 'us-east-1', 's3')); // past the bound: derived again
    expect(authenticate(request('GET', getHeaders), '/test.txt', [], creds, WHEN, keys).accessKey).toBe(KEY_ID);
  });

  it('uriEncode keeps only unreserved bytes (and / when asked), as encodeURIComponent plus !\'()*', () => {
    const s = 'a-b_c.d~e/f g+h!i\'j(k)l*m%n\u00e9\u{1f600}:@=&?#';
    const reference = encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
    expect(uriEncode(s)).toBe(reference);
    expect(uriEncode(s, true)).toBe(reference.replace(/%2F/g, '/'));
  });

  it('lets unsigned requests through only when anonymous access is on', () => {
    expect(authenticate(request('GET', { host: 'x' }), '/b/k', [], { keys: new Map(), anonymous: true }, WHEN).accessKey).toBeUndefined();
  });
});

describe('aws-chunked bodies', () => {
  const seed = '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9';
  const key = signingKey(SECRET, '20130524', 'us-east-1', 's3');
  const signing = { key, amzDate: '20130524T000000Z', scope: '20130524/us-east-1/s3/aws4_request', signature: seed };
  const sigs = [
    'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648',
    '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497',
    'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9',
  ];
  const a = (n: number) => Buffer.alloc(n, 'a');
  const body = (s: string[]) =>
    Buffer.concat([
      Buffer.from(`10000;chunk-signature=${s[0]}\r\n`), a(65536), Buffer.from('\r\n'),
      Buffer.from(`400;chunk-signature=${s[1]}\r\n`), a(1024), Buffer.from('\r\n'),
      Buffer.from(`0;chunk-signature=${s[2]}\r\n\r\n`),
    ]);
  /** The body cut into pieces of `size` bytes, as a socket might deliver it. */
  async function* pieces(buf: Buffer, size: number) {
    for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
  }
  async function decode(buf: Buffer, size: number, options = {}) {
    const out: Buffer[] = [];
    for await (const p of decodeAwsChunked(pieces(buf, size), options)) out.push(Buffer.from(p));
    return Buffer.concat(out);
  }

  it("the documentation's chunk signatures chain from the seed", () => {
    expect(chunkSignature(key, signing.amzDate, signing.scope, seed, createHash('sha256').update(a(65536)).digest('hex'))).toBe(sigs[0]);
  });

  it('decodes the example, however the bytes arrive, and verifies every signature', async () => {
    for (const size of [1, 7, 4096, 1 << 20]) {
      const data = await decode(body(sigs), size, { signing, decodedLength: 66560 });
      expect(data.equals(a(66560))).toBe(true);
    }
  });

  it('refuses a forged chunk signature, a wrong length, a cut body and a bad CRC32 trailer', async () => {
    await expect(decode(body([sigs[0]!, sigs[0]!, sigs[2]!]), 1000, { signing })).rejects.toMatchObject({ code: 'SignatureDoesNotMatch' });
    await expect(decode(body(sigs), 1000, { signing, decodedLength: 66561 })).rejects.toMatchObject({ code: 'IncompleteBody' });
    await expect(decode(body(sigs).subarray(0, 50_000), 1000, { signing })).rejects.toMatchObject({ code: 'IncompleteBody' });
    const unsigned = (crc: string) => Buffer.from(`5\r\nhello\r\n0\r\nx-amz-checksum-crc32:${crc}\r\n\r\n`);
    expect((await decode(unsigned('NhCmhg=='), 3, { trailer: 'x-amz-checksum-crc32' })).toString()).toBe('hello');
    await expect(decode(unsigned('AAAAAA=='), 3, { trailer: 'x-amz-checksum-crc32' })).rejects.toMatchObject({ code: 'BadDigest' });
  });
});
