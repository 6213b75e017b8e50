// Reading a tar stream (`put file --untar`), gzipped or not, one entry at a
// time without holding the archive in memory: each regular file's bytes are
// streamed and must be read to the end before the next entry is asked for.
// Understands ustar (name + prefix), pax extended headers (path, size) and
// GNU long names; folders are implied by their files; links and devices are
// skipped and reported to `skipped`.
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { TuskError } from '../errors/index.js';

export interface TarEntry {
  path: string;
  size: number;
  data: AsyncIterable<Uint8Array>;
}

const BLOCK = 512;

export async function* untar(input: AsyncIterable<Uint8Array>, skipped: (path: string, why: string) => void = () => {}): AsyncGenerator<TarEntry> {
  const reader = new ByteReader(await maybeGunzip(input));
  let longName: string | undefined;
  let pax: Record<string, string> = {};
  for (;;) {
    const header = await reader.read(BLOCK);
    if (!header || header.every((b) => b === 0)) return;
    if (header.length < BLOCK) throw bad('the archive ends inside a header');
    if (!checksumOk(header)) throw bad('a header\'s checksum does not match: not a tar archive, or a damaged one');
    const type = String.fromCharCode(header[156]!);
    const size = pax.size !== undefined ? Number(pax.size) : octal(header, 124, 12);
    const prefix = str(header, 345, 155);
    const name = pax.path ?? longName ?? (prefix ? `${prefix}/${str(header, 0, 100)}` : str(header, 0, 100));
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'x' || type === 'L' || type === 'g') {
      const body = (await reader.read(padded))?.subarray(0, size);
      if (!body || body.length < size) throw bad('the archive ends inside an extended header');
      if (type === 'x') pax = parsePax(body.toString('utf8'));
      else if (type === 'L') longName = body.toString('utf8').replace(/\0.*$/s, '');
      continue;
    }
    longName = undefined;
    pax = {};
    const path = name.replace(/^(\.\/)+/, '');
    if (type === '0' || type === '\0' || type === '7') {
      let left = size;
      const data = (async function* () {
        while (left > 0) {
          const chunk = await reader.some(left);
          if (!chunk) throw bad(`the archive ends inside ${path}`);
          left -= chunk.length;
          yield chunk;
        }
      })();
      yield { path, size, data };
      while (left > 0) { // the consumer stopped early: skip the rest
        const chunk = await reader.some(left);
        if (!chunk) throw bad(`the archive ends inside ${path}`);
        left -= chunk.length;
      }
      await reader.read(padded - size);
    } else {
      if (type !== '5') skipped(path, type === '2' ? 'a symbolic link' : type === '1' ? 'a hard link' : `an entry of type ${JSON.stringify(type)}`);
      if (padded > 0) await reader.read(padded);
    }
  }
}

function bad(message: string): TuskError {
  return new TuskError('invalid_argument', 'BadArchive', `--untar: ${message}`);
}

function str(b: Buffer, at: number, len: number): string {
  const raw = b.subarray(at, at + len);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? len : end).toString('utf8');
}

function octal(b: Buffer, at: number, len: number): number {
  if (b[at]! & 0x80) {
    // base-256 (GNU) for sizes of 8 GiB and more
    let n = 0;
    for (let i = at + 1; i < at + len; i++) n = n * 256 + b[i]!;
    return n;
  }
  const text = str(b, at, len).trim();
  return text === '' ? 0 : parseInt(text, 8);
}

function checksumOk(h: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
  return sum === octal(h, 148, 8);
}

function parsePax(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  while (at < text.length) {
    const space = text.indexOf(' ', at);
    if (space < 0) break;
    const len = Number(text.slice(at, space));
    if (!Number.isInteger(len) || len <= 0) break;
    const record = text.slice(space + 1, at + len - 1);
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    at += len;
  }
  return out;
}

/** The stream as it is, or gunzipped when it starts with gzip's magic bytes. */
async function maybeGunzip(input: AsyncIterable<Uint8Array>): Promise<AsyncIterable<Uint8Array>> {
  const it = input[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return (async function* () {})();
  const head = Buffer.from(first.value);
  const all = (async function* () {
    yield head;
    for (;;) {
      const n = await it.next();
      if (n.done) return;
      yield n.value;
    }
  })();
  if (head[0] === 0x1f && head[1] === 0x8b) return Readable.from(all).pipe(createGunzip());
  return all;
}

/** Exact reads over a stream of chunks. */
class ByteReader {
  private readonly it: AsyncIterator<Uint8Array>;
  private buf = Buffer.alloc(0);
  private ended = false;

  constructor(input: AsyncIterable<Uint8Array>) {
    this.it = input[Symbol.asyncIterator]();
  }

  /** Exactly n bytes, fewer at the end of the stream, undefined when nothing is left. */
  async read(n: number): Promise<Buffer | undefined> {
    if (n === 0) return Buffer.alloc(0);
    while (this.buf.length < n && (await this.fill()));
    if (this.buf.length === 0) return undefined;
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(out.length);
    return out;
  }

  /** Up to n bytes (what is buffered, or the next chunk), undefined at the end. */
  async some(n: number): Promise<Buffer | undefined> {
    if (this.buf.length === 0 && !(await this.fill())) return undefined;
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(out.length);
    return Buffer.from(out);
  }

  private async fill(): Promise<boolean> {
    if (this.ended) return false;
    const next = await this.it.next();
    if (next.done) {
      this.ended = true;
      return false;
    }
    this.buf = this.buf.length === 0 ? Buffer.from(next.value) : Buffer.concat([this.buf, next.value]);
    return true;
  }
}
