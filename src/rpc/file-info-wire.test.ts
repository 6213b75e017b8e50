import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FileInfoBatch, type FileInfo } from '../gen/tusk/pfs.js';
import { decodeFileInfoBatch, encodeFileInfoBatch, sharedCommit } from './file-info-wire.js';

const COMMIT = 'f19c2bf6170abfcfae2d89013f871cda';
const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constant(''), fc.constant('/dir/ünïcödé/ファイル.txt'), fc.constant('😀'.repeat(50)), fc.constant('\ufeffbom'));
const size = fc.oneof(fc.constant(0), fc.nat(), fc.constantFrom(127, 128, 16383, 16384, 2 ** 32, 2 ** 49 - 1, 2 ** 49, Number.MAX_SAFE_INTEGER), fc.integer({ min: -5, max: -1 }));
const info = fc.record({ path: text, type: fc.constantFrom('file', 'dir', ''), sizeBytes: size, hash: fc.oneof(fc.constant(''), fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex'))), commit: fc.oneof(fc.constant(COMMIT), fc.constant(''), text) });
const batch = fc.record({ files: fc.array(info, { maxLength: 40 }), commit: fc.oneof(fc.constant(''), fc.constant(COMMIT), text) });

/** What a reader of the batch means: the generated decoder's entries, each with the batch's commit where it has none. */
function generatedWithCommits(bytes: Uint8Array): FileInfoBatch {
  const b = FileInfoBatch.decode(bytes);
  return { ...b, files: b.files.map((f) => (f.commit === '' ? { ...f, commit: b.commit } : f)) };
}

function decoded(bytes: Uint8Array): { ok: FileInfoBatch } | { error: string } {
  try {
    return { ok: decodeFileInfoBatch(bytes) };
  } catch (err) {
    return { error: String(err) };
  }
}

function generated(bytes: Uint8Array): { ok: FileInfoBatch } | { error: string } {
  try {
    return { ok: generatedWithCommits(bytes) };
  } catch (err) {
    return { error: String(err) };
  }
}

describe('FileInfoBatch encoding', () => {
  it('writes exactly the bytes the generated encoder writes', () => {
    fc.assert(
      fc.property(batch, (msg) => {
        const generated = Buffer.from(FileInfoBatch.encode(msg).finish());
        expect(encodeFileInfoBatch(msg).equals(generated)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('writes the bytes of the generated encoder for batches whose strings are all ASCII (built as one latin1 string)', () => {
    const ascii = fc.oneof(fc.string({ unit: 'binary-ascii' }), fc.constant(''), fc.string({ unit: 'binary-ascii', minLength: 128, maxLength: 300 }));
    const asciiInfo = fc.record({ path: ascii, type: fc.constantFrom('file', 'dir', ''), sizeBytes: size, hash: info.map((f) => f.hash), commit: fc.oneof(fc.constant(''), fc.constant(COMMIT)) });
    fc.assert(
      fc.property(fc.record({ files: fc.array(asciiInfo, { maxLength: 40 }), commit: fc.oneof(fc.constant(''), fc.constant(COMMIT), ascii) }), (msg) => {
        const generated = Buffer.from(FileInfoBatch.encode(msg).finish());
        expect(encodeFileInfoBatch(msg).equals(generated)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('encodes a batch of a thousand entries that decodes back unchanged', () => {
    const files = Array.from({ length: 1000 }, (_, i) => ({ path: `/big/f${String(i).padStart(7, '0')}`, type: 'file', sizeBytes: i * 1000, hash: 'ab'.repeat(32), commit: COMMIT }));
    expect(FileInfoBatch.decode(encodeFileInfoBatch({ files, commit: '' }))).toEqual({ files, commit: '' });
  });
});

describe('FileInfoBatch decoding', () => {
  it('reads what the generated decoder reads, with the batch commit filled into entries without one', () => {
    fc.assert(
      fc.property(batch, (msg) => {
        const bytes = Buffer.from(FileInfoBatch.encode(msg).finish());
        expect(decodeFileInfoBatch(bytes)).toEqual(generatedWithCommits(bytes));
      }),
      { numRuns: 500 },
    );
  });

  it('agrees with the generated decoder on damaged and foreign bytes too (truncated, unknown fields, other wire types)', () => {
    const damaged = fc.oneof(
      batch.chain((msg) => {
        const bytes = Buffer.from(FileInfoBatch.encode(msg).finish());
        return fc.nat({ max: bytes.length }).map((n) => bytes.subarray(0, n));
      }),
      batch.chain((msg) => {
        const bytes = Buffer.from(FileInfoBatch.encode(msg).finish());
        return fc.tuple(fc.nat({ max: bytes.length }), fc.uint8Array({ minLength: 1, maxLength: 8 })).map(([at, junk]) => Buffer.concat([bytes.subarray(0, at), junk, bytes.subarray(at)]));
      }),
      fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
    );
    fc.assert(
      fc.property(damaged, (bytes) => {
        expect(decoded(bytes)).toEqual(generated(bytes));
      }),
      { numRuns: 1000 },
    );
  });

  it('reads old-style batches, with the commit in every entry, unchanged', () => {
    const files: FileInfo[] = [
      { path: '/a', type: 'file', sizeBytes: 3, hash: 'cd'.repeat(32), commit: COMMIT },
      { path: '/b', type: 'dir', sizeBytes: 0, hash: '', commit: 'e'.repeat(32) },
    ];
    const old = Buffer.from(FileInfoBatch.encode({ files, commit: '' }).finish());
    expect(decodeFileInfoBatch(old)).toEqual({ files, commit: '' });
  });
});

describe('batch-level commit', () => {
  const file = (path: string, commit: string): FileInfo => ({ path, type: 'file', sizeBytes: 1, hash: 'ab'.repeat(32), commit });
  /** As the server sends a listing batch (src/server/convert.ts fileBatchMsg). */
  const onWire = (files: FileInfo[]): FileInfoBatch => {
    const commit = sharedCommit(files);
    return { files: files.map((f) => ({ ...f, commit: commit === '' ? f.commit : '' })), commit };
  };

  it('sends a commit shared by every entry once, and the reader gets every entry back as it was', () => {
    const files = [file('/a', COMMIT), file('/b', COMMIT), file('/c', COMMIT)];
    expect(sharedCommit(files)).toBe(COMMIT);
    const bytes = encodeFileInfoBatch(onWire(files));
    expect(bytes.length).toBe(encodeFileInfoBatch({ files, commit: '' }).length - 2 * (2 + COMMIT.length));
    expect(decodeFileInfoBatch(bytes).files).toEqual(files);
  });

  it('keeps each entry its own commit when they differ, or when there is none', () => {
    for (const files of [[file('/a', COMMIT), file('/b', 'other')], [file('/a', ''), file('/b', '')], []]) {
      expect(sharedCommit(files)).toBe('');
      expect(decodeFileInfoBatch(encodeFileInfoBatch(onWire(files))).files).toEqual(files);
    }
  });
});
