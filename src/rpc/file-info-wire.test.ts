import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FileInfoBatch } from '../gen/tusk/pfs.js';
import { encodeFileInfoBatch } from './file-info-wire.js';

const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constant(''), fc.constant('/dir/ünïcödé/ファイル.txt'), fc.constant('😀'.repeat(50)));
const size = fc.oneof(fc.constant(0), fc.nat(), fc.constantFrom(127, 128, 16383, 16384, 2 ** 32, Number.MAX_SAFE_INTEGER), fc.integer({ min: -5, max: -1 }));
const info = fc.record({ path: text, type: fc.constantFrom('file', 'dir', ''), sizeBytes: size, hash: fc.oneof(fc.constant(''), fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex'))), commit: fc.oneof(fc.constant('f19c2bf6170abfcfae2d89013f871cda'), text) });

describe('FileInfoBatch encoding', () => {
  it('writes exactly the bytes the generated encoder writes', () => {
    fc.assert(
      fc.property(fc.array(info, { maxLength: 40 }), (files) => {
        const generated = Buffer.from(FileInfoBatch.encode({ files }).finish());
        expect(encodeFileInfoBatch({ files }).equals(generated)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('encodes a batch of a thousand entries that decodes back unchanged', () => {
    const files = Array.from({ length: 1000 }, (_, i) => ({ path: `/big/f${String(i).padStart(7, '0')}`, type: 'file', sizeBytes: i * 1000, hash: 'ab'.repeat(32), commit: 'f19c2bf6170abfcfae2d89013f871cda' }));
    expect(FileInfoBatch.decode(encodeFileInfoBatch({ files }))).toEqual({ files });
  });
});
