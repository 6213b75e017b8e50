// The wire encoding of listing batches (ListFile's and GlobFile's
// FileInfoBatch): the server's encoder and the client's decoder. A listing of
// a million files is a million messages' worth of strings; the generated
// encoder grows its buffer as it goes, forks and joins a writer per entry,
// then copies the result once more (Buffer.from), and that was most of what a
// big listing cost the daemon. This one measures the batch first and writes
// it into one buffer. Sizes that are not non-negative safe integers go to the
// generated encoder, so the bytes are always exactly what it writes (see the
// test). A batch whose strings are all ASCII (a listing's usually are) is
// built as one latin1 string, tags and lengths included, and converted in one
// call: a native call per string (two per path and hash: measure, then write)
// was most of the encoder's time. The decoder reads the shape this encoder writes into plain objects,
// and hands anything else (unknown fields, other wire types, huge or negative
// sizes, truncated bytes) to the generated decoder, so it returns what that
// returns. Both sides of the batch-level commit are here too: the server
// sends a listing's shared commit once per batch (sharedCommit), the decoder
// fills it back into each entry.
import { FileInfoBatch, type FileInfo } from '../gen/tusk/pfs.js';
import { varintLength, writeVarint } from './file-wire.js';

const LEN = 2;
const ENTRY_TAG = (1 << 3) | LEN; // FileInfoBatch.files
const PATH_TAG = (1 << 3) | LEN; // FileInfo.path
const TYPE_TAG = (2 << 3) | LEN; // FileInfo.type
const SIZE_TAG = (3 << 3) | 0; // FileInfo.size_bytes
const HASH_TAG = (4 << 3) | LEN; // FileInfo.hash
const COMMIT_TAG = (5 << 3) | LEN; // FileInfo.commit
const BATCH_COMMIT_TAG = (2 << 3) | LEN; // FileInfoBatch.commit

/** UTF-8 lengths of the strings a batch repeats (types, commit IDs), measured once each. */
class Lengths {
  private last = '';
  private lastLength = 0;
  of(s: string): number {
    if (s !== this.last) {
      this.last = s;
      this.lastLength = Buffer.byteLength(s, 'utf8');
    }
    return this.lastLength;
  }
}

function stringField(n: number): number {
  return n === 0 ? 0 : 1 + varintLength(n) + n;
}

export function encodeFileInfoBatch(msg: FileInfoBatch): Buffer {
  return encodeAscii(msg) ?? encodeMeasured(msg);
}

/** Varints below 2^14 as latin1 strings (one char per byte), the lengths and sizes a listing mostly has. */
const SMALL_VARINTS = Array.from({ length: 1 << 14 }, (_, v) => (v < 0x80 ? String.fromCharCode(v) : String.fromCharCode((v & 0x7f) | 0x80, v >>> 7)));

/** A varint as a latin1 string, one char per byte. */
function varintChars(v: number): string {
  if (v < SMALL_VARINTS.length) return SMALL_VARINTS[v]!;
  let s = '';
  while (v >= 0x80) {
    s += String.fromCharCode((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  return s + String.fromCharCode(v);
}

/** A string field as latin1 chars, for an ASCII string (its length is its byte count); nothing for ''. */
function asciiField(tag: string, s: string): string {
  return s.length === 0 ? '' : tag + varintChars(s.length) + s;
}

const ENTRY = String.fromCharCode(ENTRY_TAG);
const PATH = String.fromCharCode(PATH_TAG);
const TYPE = String.fromCharCode(TYPE_TAG);
const SIZE = String.fromCharCode(SIZE_TAG);
const HASH = String.fromCharCode(HASH_TAG);
const COMMIT = String.fromCharCode(COMMIT_TAG);
const BATCH_COMMIT = String.fromCharCode(BATCH_COMMIT_TAG);

/**
 * The batch's bytes built as a latin1 string (a char per byte), or undefined
 * when a string in it is not ASCII (its UTF-8 bytes are not its chars) or a
 * size is not a non-negative safe integer.
 */
function encodeAscii(msg: FileInfoBatch): Buffer | undefined {
  const files = msg.files;
  let out = '';
  let text = ''; // every string of the batch, to check that they are ASCII at once
  for (let i = 0; i < files.length; i++) {
    const f = files[i]!;
    const size = f.sizeBytes;
    if (!Number.isSafeInteger(size) || size < 0) return undefined;
    const body = asciiField(PATH, f.path) + asciiField(TYPE, f.type) + (size === 0 ? '' : SIZE + varintChars(size)) + asciiField(HASH, f.hash) + asciiField(COMMIT, f.commit);
    out += ENTRY + varintChars(body.length) + body;
    text += f.path + f.type + f.hash + f.commit;
  }
  out += asciiField(BATCH_COMMIT, msg.commit);
  text += msg.commit;
  if (Buffer.byteLength(text, 'utf8') !== text.length) return undefined; // a char outside ASCII takes two bytes or more
  return Buffer.from(out, 'latin1');
}

/** Any batch: measures every string's UTF-8 length, then writes into one buffer. */
function encodeMeasured(msg: FileInfoBatch): Buffer {
  const files = msg.files;
  const lengths = new Int32Array(files.length * 4); // per entry: path, hash and body bytes, then the type's
  const types = new Lengths();
  const commits = new Lengths();
  let total = 0;
  for (let i = 0; i < files.length; i++) {
    const f = files[i]!;
    if (!Number.isSafeInteger(f.sizeBytes) || f.sizeBytes < 0) return Buffer.from(FileInfoBatch.encode(msg).finish());
    const path = f.path === '' ? 0 : Buffer.byteLength(f.path, 'utf8');
    const hash = f.hash === '' ? 0 : Buffer.byteLength(f.hash, 'utf8');
    const type = types.of(f.type);
    const body = stringField(path) + stringField(type) + (f.sizeBytes === 0 ? 0 : 1 + varintLength(f.sizeBytes)) + stringField(hash) + stringField(commits.of(f.commit));
    lengths[i * 4] = path;
    lengths[i * 4 + 1] = hash;
    lengths[i * 4 + 2] = body;
    lengths[i * 4 + 3] = type;
    total += 1 + varintLength(body) + body;
  }
  const batchCommit = msg.commit === '' ? 0 : Buffer.byteLength(msg.commit, 'utf8');
  total += stringField(batchCommit);
  const buf = Buffer.allocUnsafe(total);
  let at = 0;
  for (let i = 0; i < files.length; i++) {
    const f = files[i]!;
    buf[at++] = ENTRY_TAG;
    at = writeVarint(buf, at, lengths[i * 4 + 2]!);
    at = writeString(buf, at, PATH_TAG, f.path, lengths[i * 4]!);
    at = writeString(buf, at, TYPE_TAG, f.type, lengths[i * 4 + 3]!);
    if (f.sizeBytes !== 0) {
      buf[at++] = SIZE_TAG;
      at = writeVarint(buf, at, f.sizeBytes);
    }
    at = writeString(buf, at, HASH_TAG, f.hash, lengths[i * 4 + 1]!);
    at = writeString(buf, at, COMMIT_TAG, f.commit, commits.of(f.commit));
  }
  writeString(buf, at, BATCH_COMMIT_TAG, msg.commit, batchCommit);
  return buf;
}

function writeString(buf: Buffer, at: number, tag: number, s: string, n: number): number {
  if (n === 0) return at;
  buf[at++] = tag;
  at = writeVarint(buf, at, n);
  return at + buf.write(s, at, n, 'utf8');
}

/**
 * The commit every one of these entries has, which a listing batch sends once
 * (FileInfoBatch.commit) with each entry's left empty; '' if they differ or have none.
 */
export function sharedCommit(files: readonly { commit: string }[]): string {
  const commit = files[0]?.commit ?? '';
  for (const f of files) if (f.commit !== commit) return '';
  return commit;
}

/** Thrown inside the fast decoder for anything it leaves to the generated one. */
const OTHER_SHAPE = new Error('not the shape encodeFileInfoBatch writes');
/** As the generated decoder reads strings: U+FFFD for bad bytes, a leading U+FEFF kept. */
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** Decodes a FileInfoBatch and gives every entry without a commit the batch's commit. */
export function decodeFileInfoBatch(bytes: Uint8Array): FileInfoBatch {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let batch: FileInfoBatch;
  try {
    batch = decodePlain(buf);
  } catch (err) {
    if (err !== OTHER_SHAPE) throw err;
    batch = FileInfoBatch.decode(buf);
  }
  if (batch.commit !== '') for (const f of batch.files) if (f.commit === '') f.commit = batch.commit;
  return batch;
}

/**
 * Position-passing reader over one buffer; every read is bounds-checked against `end`.
 * ASCII strings are cut from the whole buffer read as latin1 once (`text`), not
 * converted one native call each.
 */
class Cursor {
  pos = 0;
  private readonly text: string;
  constructor(readonly buf: Buffer) {
    this.text = buf.toString('latin1');
  }

  /** A varint of at most 7 bytes (below 2^49); longer ones go to the generated decoder. */
  varint(end: number): number {
    const buf = this.buf;
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 7; i++) {
      if (this.pos >= end) throw OTHER_SHAPE;
      const b = buf[this.pos++]!;
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 0x80;
    }
    throw OTHER_SHAPE;
  }

  string(end: number): string {
    const n = this.varint(end);
    const start = this.pos;
    const stop = start + n;
    if (stop > end) throw OTHER_SHAPE;
    this.pos = stop;
    const buf = this.buf;
    for (let i = start; i < stop; i++) if (buf[i]! > 0x7f) return utf8.decode(buf.subarray(start, stop));
    return this.text.slice(start, stop);
  }
}

function decodePlain(buf: Buffer): FileInfoBatch {
  const r = new Cursor(buf);
  const end = buf.length;
  const files: FileInfo[] = [];
  let commit = '';
  while (r.pos < end) {
    const tag = buf[r.pos++]!;
    if (tag === ENTRY_TAG) {
      const n = r.varint(end);
      const stop = r.pos + n;
      if (stop > end) throw OTHER_SHAPE;
      files.push(decodeEntry(r, stop));
    } else if (tag === BATCH_COMMIT_TAG) commit = r.string(end);
    else throw OTHER_SHAPE;
  }
  return { files, commit };
}

function decodeEntry(r: Cursor, end: number): FileInfo {
  const f: FileInfo = { path: '', type: '', sizeBytes: 0, hash: '', commit: '' };
  const buf = r.buf;
  while (r.pos < end) {
    const tag = buf[r.pos++]!;
    if (tag === PATH_TAG) f.path = r.string(end);
    else if (tag === TYPE_TAG) f.type = r.string(end);
    else if (tag === SIZE_TAG) f.sizeBytes = r.varint(end);
    else if (tag === HASH_TAG) f.hash = r.string(end);
    else if (tag === COMMIT_TAG) f.commit = r.string(end);
    else throw OTHER_SHAPE;
  }
  return f;
}
