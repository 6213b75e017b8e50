// A request's body as the operations see it: aws-chunked framing removed,
// Content-MD5 checked (when no signed sha256 is), and (unless the caller checks it more cheaply itself,
// from the content hash the store computes anyway) the signed
// x-amz-content-sha256 checked, all while streaming. A mismatch throws at the
// end of the stream, before any operation commits.
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { InternalError, S3Invalid } from '../../errors/index.js';
import type { Identity } from './auth.js';
import { decodeAwsChunked } from './aws-chunked.js';

export interface BodyOptions {
  /** Check a hex x-amz-content-sha256 here (default true). */
  verifySha256?: boolean;
  /** Check Content-MD5 here (default true); false when the caller computes the MD5 anyway (for the ETag). */
  verifyMd5?: boolean;
}

export function requestBody(req: IncomingMessage, id: Identity, options: BodyOptions = {}): AsyncIterable<Uint8Array> {
  let body: AsyncIterable<Uint8Array> = req;
  const p = id.payload;
  if (p.kind === 'chunked') {
    const decoded = req.headers['x-amz-decoded-content-length'];
    body = decodeAwsChunked(req, {
      signing: p.signed ? id.signing : undefined,
      decodedLength: decoded !== undefined ? Number(decoded) : undefined,
      trailer: header(req, 'x-amz-trailer'),
    });
  }
  // Content-MD5 is checked unless a signed sha256 of the body is (that one is stronger, and costs nothing
  // extra: the content store computes it anyway). The aws CLI sends both with every part.
  const md5 = header(req, 'content-md5');
  if (md5 !== undefined && options.verifyMd5 !== false && !(p.kind === 'sha256' && id.accessKey !== undefined)) body = verifyDigest(body, 'md5', md5, 'base64', 'BadDigest', 'the Content-MD5 you specified did not match what we received');
  if (p.kind === 'sha256' && options.verifySha256 !== false) {
    body = verifyDigest(body, 'sha256', p.hash, 'hex', 'XAmzContentSHA256Mismatch', "the provided 'x-amz-content-sha256' header does not match what was computed");
  }
  return body;
}

/** The decoded length when the client announced it (aws-chunked or plain), else undefined. */
export function bodyLength(req: IncomingMessage): number | undefined {
  const text = header(req, 'x-amz-decoded-content-length') ?? header(req, 'content-length');
  if (text === undefined) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/**
 * Passes the body through while computing its MD5: the ETag S3 clients expect from a put or a part.
 * `onRead` is told the length of each piece (the gateway paces its young collections by them).
 */
export function md5Tap(source: AsyncIterable<Uint8Array>, onRead?: (bytes: number) => void): { body: AsyncIterable<Uint8Array>; digest(): Buffer } {
  const hash = createHash('md5');
  let digest: Buffer | undefined;
  async function* body() {
    for await (const piece of source) {
      hash.update(piece);
      onRead?.(piece.length);
      yield piece;
    }
    digest = hash.digest();
  }
  return {
    body: body(),
    digest: () => {
      if (!digest) throw new InternalError('md5Tap: the body was not read to its end');
      return digest;
    },
  };
}

/** Passes the body through, telling `onRead` the length of each piece (the gateway paces its young collections by them). */
export async function* readTap(source: AsyncIterable<Uint8Array>, onRead: (bytes: number) => void): AsyncGenerator<Uint8Array> {
  for await (const piece of source) {
    onRead(piece.length);
    yield piece;
  }
}

/** Throws BadDigest when the request's Content-MD5 is not `md5`. */
export function checkContentMd5(req: IncomingMessage, md5: Buffer): void {
  const claimed = header(req, 'content-md5');
  if (claimed !== undefined && claimed !== md5.toString('base64')) throw new S3Invalid('BadDigest', 'the Content-MD5 you specified did not match what we received');
}

async function* verifyDigest(source: AsyncIterable<Uint8Array>, algo: string, expected: string, encoding: 'hex' | 'base64', code: 'BadDigest' | 'XAmzContentSHA256Mismatch', message: string): AsyncGenerator<Uint8Array> {
  const hash = createHash(algo);
  for await (const piece of source) {
    hash.update(piece);
    yield piece;
  }
  if (hash.digest(encoding) !== expected) throw new S3Invalid(code, message);
}

/**
 * A plain body (not aws-chunked) of at most `limit` bytes, read whole with the
 * request's own events: one small PutObject of an `aws s3 sync` pays no async
 * iterator (per request, Node's costs more than the few KiB it carries). A
 * body larger than announced is refused as soon as it shows; a client that goes
 * away mid-body is an error, as with any read of the body.
 */
export function readPlainBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    // The 'error' listener stays: an abort after we are done must not become an unhandled 'error' event.
    const done = (err?: unknown) => {
      req.off('data', onData).off('end', onEnd).off('close', onClose);
      if (err) reject(err);
      else resolve(parts.length === 1 ? parts[0]! : Buffer.concat(parts, size));
    };
    const onData = (piece: Buffer) => {
      size += piece.length;
      if (size > limit) {
        done(new S3Invalid('InvalidRequest', `the request body is larger than ${limit} bytes`));
        req.destroy(); // as an async iterator left early does: the rest is not read
      } else parts.push(piece);
    };
    const onEnd = () => done();
    const onClose = () => done(new InternalError('the client closed the connection before the end of the request body'));
    req.on('data', onData).once('end', onEnd).on('error', done).once('close', onClose);
  });
}

/** A small body (an XML document) in memory, refused beyond `limit` bytes. */
export async function readSmallBody(body: AsyncIterable<Uint8Array>, limit: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const piece of body) {
    size += piece.length;
    if (size > limit) throw new S3Invalid('InvalidRequest', `the request body is larger than ${limit} bytes`);
    parts.push(Buffer.from(piece));
  }
  return Buffer.concat(parts);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Reads and drops what is left of a refused request's body, so that a client sending all of it before
 * reading the answer (one that does not wait for `100 Continue`: rclone, curl, many SDKs) hears the
 * error rather than a connection cut under its upload (closing a socket with unread bytes resets it).
 * Bounded: a body announced longer than `limit` bytes is not read at all, and reading stops past `limit`
 * bytes or after `ms`. Resolves true once the request is complete (the connection can be kept), false
 * when the rest was left unread (the answer must close the connection).
 */
export function drainBody(req: IncomingMessage, limit: number, ms: number): Promise<boolean> {
  if (req.complete) return Promise.resolve(true);
  if (req.destroyed || (bodyLength(req) ?? 0) > limit) return Promise.resolve(false);
  return new Promise((resolve) => {
    let size = 0;
    const done = (complete: boolean) => {
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('close', onClose);
      if (!complete) req.pause();
      resolve(complete);
    };
    const onData = (piece: Buffer) => {
      size += piece.length;
      if (size > limit) done(false);
    };
    const onEnd = () => done(true);
    const onClose = () => done(req.complete);
    const timer = setTimeout(() => done(false), ms);
    req.on('data', onData).once('end', onEnd).once('close', onClose).on('error', () => undefined);
    req.resume();
  });
}
