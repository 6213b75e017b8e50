import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CorruptObject } from '../errors/index.js';
import type { DataRef } from './content.js';
import { decodeRefs, encodeRefs } from './ref-codec.js';

const u32 = fc.nat({ max: 2 ** 32 - 1 });
const refArb = fc.record({ seed: fc.nat(), pack: fc.constantFrom('a1', 'b2', 'c3'), offset: u32, size: u32, start: u32, length: u32 })
  .map(({ seed, pack, offset, size, start, length }): DataRef => ({
    chunk: { hash: createHash('sha256').update(String(seed)).digest('hex'), pack, offset, size },
    start,
    length,
  }));

describe('ref lists', () => {
  it('round-trip', () => {
    fc.assert(fc.property(fc.array(refArb, { maxLength: 100 }), (refs) => {
      expect(decodeRefs(encodeRefs(refs), 'blob:x')).toEqual(refs);
    }));
  });

  it('refuse malformed bytes with CorruptObject', () => {
    const good = encodeRefs([{ chunk: { hash: 'ab'.repeat(32), pack: 'p', offset: 1, size: 2 }, start: 0, length: 2 }]);
    for (const bad of [good.subarray(0, good.length - 1), new Uint8Array([2]), new Uint8Array(0), Buffer.concat([good, Buffer.from([0])])]) {
      expect(() => decodeRefs(bad, 'blob:x')).toThrow(CorruptObject);
    }
  });
});
