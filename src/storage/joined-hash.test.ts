// The content hash of a file joined from pieces written each by a session of
// its own (multipart parts), made from their chunks and the bytes near the
// seams: always the hash a write of the whole file gives (hashOf), reading
// a small part of the file.
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ContentStore } from './content-store.js';
import type { DataRef, FileContent } from './content.js';
import { DEFAULT_CHUNK_PARAMS } from './chunker.js';
import { joinedChunkListHash, rangeRefs } from './joined-hash.js';
import { decodeRefs } from './ref-codec.js';
import { MemoryStore } from './memory-store.js';

const opened: ContentStore[] = [];
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
});

/** `size` pseudo-random bytes from `seed` (xorshift32). */
function seeded(size: number, seed: number): Buffer {
  const words = new Uint32Array(Math.ceil(size / 4));
  let x = seed >>> 0;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return Buffer.from(words.buffer, 0, size);
}

/** Writes each piece of `bytes` through a session of its own, as UploadPart does; the pieces' slices and the joined content. */
async function writePieces(store: ContentStore, bytes: Buffer, sizes: number[]): Promise<{ pieces: DataRef[][]; joined: FileContent }> {
  const pieces: DataRef[][] = [];
  let at = 0;
  for (const size of sizes) {
    const session = store.writer();
    const content = await session.writeFile(bytes.subarray(at, at + size));
    await session.close();
    const refs = [...(content.refs ?? [])];
    for (const id of content.indirect ?? []) refs.push(...decodeRefs(await store.blobs.get(id), id));
    pieces.push(refs);
    at += size;
  }
  return { pieces, joined: { size: at, hash: '', refs: pieces.flat() } };
}

describe('hashOfJoined', () => {
  it('equals the hash of the whole file for pieces of any size, seams anywhere', async () => {
    const store = await ContentStore.open(new MemoryStore(), { hashThread: false });
    opened.push(store);
    const bytes = randomBytes(3 * 1024 * 1024);
    const rest = (...sizes: number[]) => [...sizes, bytes.length - sizes.reduce((a, b) => a + b, 0)];
    const splits = [
      [bytes.length],
      rest(1024 * 1024),
      rest(1, 5000, 16 * 1024, 16 * 1024 + 1, 256 * 1024), // pieces under the minimum and at the maximum chunk size
      rest(100_000, 0, 900_000), // an empty piece
    ];
    for (let trial = 0; trial < 6; trial++) {
      const sizes: number[] = [];
      for (let left = bytes.length; left > 0; ) {
        const size = Math.min(left, 1 + Math.floor(Math.random() * 700_000));
        sizes.push(size);
        left -= size;
      }
      splits.push(sizes);
    }
    for (const sizes of splits) {
      const { pieces, joined } = await writePieces(store, bytes, sizes);
      expect(joined.size).toBe(bytes.length);
      expect(await store.hashOfJoined(joined, pieces), `pieces ${sizes.join(',')}`).toBe(await store.hashOf(joined));
    }
  });

  it('reads only around the seams', async () => {
    const store = await ContentStore.open(new MemoryStore(), { hashThread: false });
    opened.push(store);
    const bytes = seeded(8 * 1024 * 1024, 0x7475736b); // the same bytes every run: the count below is fixed
    const { pieces, joined } = await writePieces(store, bytes, [2, 2, 2, 2].map((n) => n * 1024 * 1024));
    let read = 0;
    const hash = await joinedChunkListHash(pieces, DEFAULT_CHUNK_PARAMS, async (offset, length) => {
      read += length;
      return bytes.subarray(offset, offset + length);
    });
    expect(hash).toBe(await store.hashOf(joined));
    expect(read).toBeGreaterThan(0);
    expect(read).toBeLessThan(bytes.length / 4); // a few chunks per seam (hashOf reads all 8 MiB)
  });

  it('a piece not made of whole chunks (a range of a file) is hashed from all the bytes', async () => {
    const store = await ContentStore.open(new MemoryStore(), { hashThread: false });
    opened.push(store);
    const bytes = randomBytes(2 * 1024 * 1024);
    const { pieces } = await writePieces(store, bytes, [bytes.length]);
    const first = pieces[0]![0]!;
    const sliced: DataRef[][] = [[{ chunk: first.chunk, start: 1, length: first.length - 1 }, ...pieces[0]!.slice(1)]];
    const joined: FileContent = { size: bytes.length - 1, hash: '', refs: sliced.flat() };
    expect(await store.hashOfJoined(joined, sliced)).toBe(await store.hashOf(joined));
  });
});

describe('rangeRefs', () => {
  const chunk = (n: number) => ({ hash: String(n).padStart(64, '0'), pack: 'p', offset: n * 100, size: 100 });
  // Two pieces: [0,100) [100,150) | [150,250), the second ref a slice of its chunk.
  const pieces: DataRef[][] = [[{ chunk: chunk(0), start: 0, length: 100 }, { chunk: chunk(1), start: 20, length: 50 }], [{ chunk: chunk(2), start: 0, length: 100 }]];
  const refsIn = rangeRefs(pieces);

  it('gives the references under a range, trimmed to it, across a seam', () => {
    expect(refsIn(90, 70)).toEqual([
      { chunk: chunk(0), start: 90, length: 10 },
      { chunk: chunk(1), start: 20, length: 50 },
      { chunk: chunk(2), start: 0, length: 10 },
    ]);
    expect(refsIn(100, 50)).toEqual([{ chunk: chunk(1), start: 20, length: 50 }]);
    expect(refsIn(120, 10)).toEqual([{ chunk: chunk(1), start: 40, length: 10 }]);
  });

  it('stops at the end of the file', () => {
    expect(refsIn(240, 100)).toEqual([{ chunk: chunk(2), start: 90, length: 10 }]);
    expect(refsIn(0, 1000).reduce((n, r) => n + r.length, 0)).toBe(250);
  });
});
