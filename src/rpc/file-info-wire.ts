// The wire encoding of listing batches (ListFile's and GlobFile's
// FileInfoBatch), for the server. A listing of a million files is a million
// messages' worth of strings; the generated encoder grows its buffer as it
// goes, forks and joins a writer per entry, then copies the result once more
// (Buffer.from), and that was most of what a big listing cost the daemon. This
// one measures the batch first and writes it into one buffer. Sizes that are
// not non-negative safe integers go to the generated encoder, so the bytes are
// always exactly what it writes (see the test).
import { FileInfoBatch } from '../gen/tusk/pfs.js';
import { varintLength, writeVarint } from './file-wire.js';

const LEN = 2;
const ENTRY_TAG = (1 << 3) | LEN; // FileInfoBatch.files
const PATH_TAG = (1 << 3) | LEN; // FileInfo.path
const TYPE_TAG = (2 << 3) | LEN; // FileInfo.type
const SIZE_TAG = (3 << 3) | 0; // FileInfo.size_bytes
const HASH_TAG = (4 << 3) | LEN; // FileInfo.hash
const COMMIT_TAG = (5 << 3) | LEN; // FileInfo.commit

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
  return buf;
}

function writeString(buf: Buffer, at: number, tag: number, s: string, n: number): number {
  if (n === 0) return at;
  buf[at++] = tag;
  at = writeVarint(buf, at, n);
  return at + buf.write(s, at, n, 'utf8');
}
