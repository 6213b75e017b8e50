import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChunkScanner, DEFAULT_CHUNK_PARAMS, GEAR, chunkBoundaries, chunkBuffers, type ChunkParams } from './chunker.js';
import { seededBytes } from './seeded-bytes.js';

const bytes = seededBytes;

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const SMALL: ChunkParams = { minSize: 64, avgSize: 256, maxSize: 1024 };

function split(buf: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  let at = 0;
  for (const p of points) { parts.push(buf.subarray(at, p)); at = p; }
  parts.push(buf.subarray(at));
  return parts;
}

function sizes(chunks: Uint8Array[]): number[] {
  return chunks.map((c) => c.length);
}

describe('chunker', () => {
  it('has a pinned gear table and pinned boundaries (changing them would break dedup with stored data)', () => {
    expect(sha(new Uint8Array(GEAR.buffer))).toMatchInlineSnapshot(`"da3509c27d40c109ff7b933aec829de01fab0c5934a505c4365cd0aaa7b85ac0"`);
    expect([GEAR[0], GEAR[1], GEAR[255]]).toMatchInlineSnapshot(`
      [
        -1687626372,
        -743863646,
        -1015667950,
      ]
    `);
    expect(chunkBoundaries(bytes(7, 1 << 20))).toMatchInlineSnapshot(`
      [
        68929,
        146655,
        252536,
        321141,
        404957,
        471152,
        576696,
        645412,
        727046,
        796985,
        865643,
        920048,
        990802,
        1041635,
        1048576,
      ]
    `);
  });

  it('cuts the same chunks however the input is split into buffers', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 20_000 }), fc.array(fc.nat(), { maxLength: 40 }), (seed, n, cuts) => {
        const data = bytes(seed, n);
        const whole = [...chunkBuffers([data], SMALL)].map(sha);
        const pieces = [...chunkBuffers(split(data, cuts), SMALL)].map(sha);
        expect(pieces).toEqual(whole);
      }),
    );
  });

  it('keeps every chunk within [min, max] except the last, and loses no byte', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 30_000 }), (seed, n) => {
        const data = bytes(seed, n);
        const chunks = [...chunkBuffers([data], SMALL)];
        const s = sizes(chunks);
        for (const size of s.slice(0, -1)) {
          expect(size).toBeGreaterThanOrEqual(SMALL.minSize);
          expect(size).toBeLessThanOrEqual(SMALL.maxSize);
        }
        if (s.length) expect(s[s.length - 1]).toBeLessThanOrEqual(SMALL.maxSize);
        expect(s.reduce((a, b) => a + b, 0)).toBe(n);
        expect(Buffer.concat(chunks).equals(Buffer.from(data))).toBe(true);
      }),
    );
  });

  it('changes only the chunks around an insert', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 3000 }), (seed, where, len) => {
        const data = bytes(seed, 200_000);
        const at = Math.floor(where * data.length);
        const changed = Buffer.concat([data.subarray(0, at), bytes(seed ^ 0x5555, len), data.subarray(at)]);
        const before = [...chunkBuffers([data], SMALL)];
        const after = new Set([...chunkBuffers([changed], SMALL)].map(sha));
        // Every chunk that ends before the insert is untouched (except the last one, which the end of
        // the data cut, not its content: an insert right at the end extends it)...
        let end = 0;
        for (const c of before) {
          end += c.length;
          if (end <= at && end < data.length) expect(after.has(sha(c))).toBe(true);
        }
        // ...and the cuts fall back into step soon after it: of ~780 chunks only
        // those around the insert change (typically 1-3; the chance of losing
        // more than k falls like 0.6^k, so 30 is a bound that does not flake).
        const lost = before.filter((c) => !after.has(sha(c))).length;
        expect(lost).toBeLessThanOrEqual(30);
      }),
      { numRuns: 60 },
    );
  });

  it('averages close to avgSize on random data with the default sizes', () => {
    const data = bytes(99, 32 << 20);
    const s = sizes([...chunkBuffers([data])]);
    const mean = data.length / s.length;
    expect(mean).toBeGreaterThan(DEFAULT_CHUNK_PARAMS.avgSize * 0.75);
    expect(mean).toBeLessThan(DEFAULT_CHUNK_PARAMS.avgSize * 1.5);
  });

  it('cuts low-entropy data at min or max instead of failing', () => {
    const zeros = new Uint8Array(3 << 20);
    for (const size of sizes([...chunkBuffers([zeros])]).slice(0, -1)) {
      expect([DEFAULT_CHUNK_PARAMS.minSize, DEFAULT_CHUNK_PARAMS.maxSize]).toContain(size);
    }
  });

  it('refuses nonsensical sizes', () => {
    expect(() => new ChunkScanner({ minSize: 100, avgSize: 1000, maxSize: 4000 })).toThrow(RangeError);
    expect(() => new ChunkScanner({ minSize: 2048, avgSize: 1024, maxSize: 4096 })).toThrow(RangeError);
  });

  it('yields views of the input, not copies, for chunks inside one buffer', () => {
    const data = bytes(3, 10_000);
    const first = [...chunkBuffers([data], SMALL)][0]!;
    expect(first.buffer).toBe(data.buffer);
  });
});
