// Decodes an aws-chunked request body (Content-Encoding: aws-chunked), as the
// aws CLI and the SDKs send streamed uploads:
//   <hex size>[;chunk-signature=<sig>]\r\n<bytes>\r\n ... 0[;chunk-signature=<sig>]\r\n
//   [<trailer name>:<value>\r\n ...]\r\n
// Data is yielded as it arrives (never a whole chunk held); each chunk's
// signature, chained from the request's seed signature, is checked when the
// chunk ends, and a trailing checksum (crc32, sha1, sha256) when the body
// ends, so a consumer that commits only after the last byte never commits
// forged or damaged data.
import { createHash, type Hash } from 'node:crypto';
import * as zlib from 'node:zlib';
import { S3Denied, S3Invalid } from '../../errors/index.js';
import { chunkSignature, EMPTY_SHA256 } from './sigv4.js';
import type { Signing } from './auth.js';

export interface ChunkedOptions {
  /** Check chunk signatures with this (absent: unsigned chunks). */
  signing?: Signing;
  /** x-amz-decoded-content-length, checked at the end when given. */
  decodedLength?: number;
  /** The x-amz-trailer header: which trailing checksums to compute. */
  trailer?: string;
}

const MAX_LINE = 4096;

export async function* decodeAwsChunked(source: AsyncIterable<Uint8Array>, options: ChunkedOptions = {}): AsyncGenerator<Uint8Array> {
  const input = new ByteReader(source);
  let previous = options.signing?.signature ?? '';
  let total = 0;
  const checksums = new Checksums(options.trailer ?? '');
  for (;;) {
    const header = await input.line();
    if (header === undefined) throw new S3Invalid('IncompleteBody', 'the aws-chunked body ended before its final chunk');
    const [sizeText, ...exts] = header.split(';');
    if (!/^[0-9a-fA-F]{1,16}$/.test(sizeText!.trim())) throw new S3Invalid('InvalidRequest', `malformed aws-chunked chunk header "${header.slice(0, 80)}"`);
    const size = parseInt(sizeText!.trim(), 16);
    const claimed = exts.map((e) => e.trim()).find((e) => e.startsWith('chunk-signature='))?.slice('chunk-signature='.length);
    const hash = options.signing ? createHash('sha256') : undefined;
    let left = size;
    while (left > 0) {
      const piece = await input.take(left);
      if (!piece) throw new S3Invalid('IncompleteBody', 'the aws-chunked body ended inside a chunk');
      left -= piece.length;
      total += piece.length;
      hash?.update(piece);
      checksums.update(piece);
      yield piece;
    }
    if (options.signing) {
      const sig = chunkSignature(options.signing.key, options.signing.amzDate, options.signing.scope, previous, size === 0 ? EMPTY_SHA256 : hash!.digest('hex'));
      if (claimed !== sig) throw new S3Denied('SignatureDoesNotMatch', `the signature of aws-chunked chunk ending at byte ${total} does not match`);
      previous = sig;
    }
    if (size > 0) {
      const end = await input.line();
      if (end !== '') throw new S3Invalid('InvalidRequest', 'an aws-chunked chunk is not followed by CRLF');
      continue;
    }
    // The last chunk: trailing headers (if any) up to an empty line, or the end of the body.
    for (;;) {
      const line = await input.line();
      if (line === undefined || line === '') break;
      const i = line.indexOf(':');
      if (i > 0) checksums.expect(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
    }
    break;
  }
  if (options.decodedLength !== undefined && total !== options.decodedLength) {
    throw new S3Invalid('IncompleteBody', `the body holds ${total} bytes, x-amz-decoded-content-length says ${options.decodedLength}`);
  }
  checksums.check();
}

/** The trailing checksums we can verify; others are accepted unchecked. */
class Checksums {
  private crc = 0;
  private readonly sha1: Hash = createHash('sha1');
  private readonly sha256: Hash = createHash('sha256');
  private readonly expected = new Map<string, string>();
  private readonly used: Set<string>;

  constructor(trailer: string) {
    this.used = new Set(trailer.split(',').map((t) => t.trim().toLowerCase().replace(/^x-amz-checksum-/, '')));
  }

  update(piece: Uint8Array): void {
    if (this.used.has('crc32')) this.crc = (zlib as unknown as { crc32(d: Uint8Array, v: number): number }).crc32(piece, this.crc);
    if (this.used.has('sha1')) this.sha1.update(piece);
    if (this.used.has('sha256')) this.sha256.update(piece);
  }

  expect(name: string, value: string): void {
    if (name.startsWith('x-amz-checksum-')) this.expected.set(name.slice('x-amz-checksum-'.length), value);
  }

  check(): void {
    for (const [algo, value] of this.expected) {
      let actual: string | undefined;
      if (algo === 'crc32') {
        const b = Buffer.alloc(4);
        b.writeUInt32BE(this.crc >>> 0);
        actual = b.toString('base64');
      } else if (algo === 'sha1') actual = this.sha1.digest('base64');
      else if (algo === 'sha256') actual = this.sha256.digest('base64');
      if (actual !== undefined && actual !== value) throw new S3Invalid('BadDigest', `the ${algo} checksum you specified did not match the calculated checksum`);
    }
  }
}

/** Pulls lines and byte runs out of a stream of buffers. */
class ByteReader {
  private readonly it: AsyncIterator<Uint8Array>;
  private buf: Buffer = Buffer.alloc(0);
  private done = false;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.it = source[Symbol.asyncIterator]();
  }

  private async fill(): Promise<boolean> {
    if (this.done) return false;
    const next = await this.it.next();
    if (next.done) {
      this.done = true;
      return false;
    }
    const piece = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
    this.buf = this.buf.length === 0 ? piece : Buffer.concat([this.buf, piece]);
    return true;
  }

  /** The next line without its CRLF; undefined at the end of the stream. */
  async line(): Promise<string | undefined> {
    for (;;) {
      const i = this.buf.indexOf('\r\n');
      if (i >= 0) {
        const text = this.buf.subarray(0, i).toString('latin1');
        this.buf = this.buf.subarray(i + 2);
        return text;
      }
      if (this.buf.length > MAX_LINE) throw new S3Invalid('InvalidRequest', 'an aws-chunked header line is too long');
      if (!(await this.fill())) {
        if (this.buf.length === 0) return undefined;
        const text = this.buf.toString('latin1');
        this.buf = Buffer.alloc(0);
        return text;
      }
    }
  }

  /** Up to `n` bytes (at least one); undefined at the end of the stream. */
  async take(n: number): Promise<Uint8Array | undefined> {
    if (this.buf.length === 0 && !(await this.fill())) return undefined;
    const piece = this.buf.subarray(0, Math.min(n, this.buf.length));
    this.buf = this.buf.subarray(piece.length);
    return piece;
  }
}
