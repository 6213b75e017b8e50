import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CorruptObject } from '../errors/index.js';
import { decodePackIndex, encodePackIndex, packIdOfIndexKey, packIndexKey, packKey, type PackEntry } from './pack-format.js';

const hex = (s: string) => createHash('sha256').update(s).digest('hex');

const entryArb = fc.record({
  blob: fc.boolean(),
  id: fc.string({ minLength: 1, maxLength: 80 }),
  seed: fc.string(),
  offset: fc.nat({ max: 2 ** 32 - 1 }),
  size: fc.nat({ max: 2 ** 32 - 1 }),
}).map(({ blob, id, seed, offset, size }): PackEntry => {
  const hash = hex(seed);
  return { kind: blob ? 'blob' : 'chunk', key: blob ? id : hash, ref: { hash, pack: 'p1', offset, size } };
});

describe('pack index format', () => {
  it('round-trips any list of entries', () => {
    fc.assert(fc.property(fc.array(entryArb, { maxLength: 50 }), (entries) => {
      expect(decodePackIndex(encodePackIndex(entries), 'p1')).toEqual(entries);
    }));
  });

  it('reports any damaged byte or truncation as CorruptObject naming the index', () => {
    const entries: PackEntry[] = [
      { kind: 'chunk', key: hex('a'), ref: { hash: hex('a'), pack: 'p1', offset: 0, size: 10 } },
      { kind: 'blob', key: 'node-1', ref: { hash: hex('b'), pack: 'p1', offset: 10, size: 5 } },
    ];
    const good = encodePackIndex(entries);
    for (let i = 0; i < good.length; i++) {
      const bad = Uint8Array.from(good);
      bad[i]! ^= 0x01;
      expect(() => decodePackIndex(bad, 'p1')).toThrow(CorruptObject);
    }
    for (const n of [0, 5, good.length - 1]) {
      try {
        decodePackIndex(good.subarray(0, n), 'p1');
        expect.unreachable();
      } catch (err) {
        expect((err as CorruptObject).code).toBe('CorruptObject');
        expect((err as CorruptObject).key).toBe('packs/p1.idx');
      }
    }
  });

  it('names packs and their indexes side by side', () => {
    expect(packKey('ab')).toBe('packs/ab');
    expect(packIndexKey('ab')).toBe('packs/ab.idx');
    expect(packIdOfIndexKey('packs/ab.idx')).toBe('ab');
    expect(packIdOfIndexKey('packs/ab')).toBeUndefined();
  });
});
