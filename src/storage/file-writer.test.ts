import { createCipheriv, createHash } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryChunkIndex } from './chunk-index.js';
import type { FileContent } from './content.js';
import { FileReader } from './file-reader.js';
import { WriteSession } from './file-writer.js';
import { InlineHasher, WorkerHasher } from './hasher.js';
import { MemoryStore } from './memory-store.js';
import { PackedBlobStore } from './packed-blob-store.js';

function bytes(seed: number, n: number): Buffer {
  const key = Buffer.alloc(16);
  key.writeUInt32BE(seed >>> 0);
  return createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(n));
}

function* pieces(data: Uint8Array, size: number): Generator<Uint8Array> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const worker = new WorkerHasher();
afterAll(() => worker.close());

// Tiny chunks and slabs, so that a few hundred KB exercise many cuts, slab
// switches with carried-over chunks, waits for free slabs and pack seals.
const SMALL = { minSize: 64, avgSize: 256, maxSize: 1024 };

describe('write session under stress', () => {
  it('writes any mix of files, split any way, awaited or queued, with flushes between, and reads all back', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            size: fc.oneof(fc.nat({ max: 3000 }), fc.nat({ max: 60_000 })),
            piece: fc.integer({ min: 1, max: 5000 }),
            awaited: fc.boolean(),
            flushAfter: fc.boolean(),
          }),
          { minLength: 1, maxLength: 25 },
        ),
        fc.boolean(),
        fc.constantFrom(2, 3),
        async (files, useWorker, maxSlabs) => {
          const objects = new MemoryStore();
          const index = new MemoryChunkIndex();
          const session = new WriteSession(objects, {
            index,
            hasher: useWorker ? worker : new InlineHasher(),
            chunking: SMALL,
            largeFile: 2048,
            slabSize: 8192,
            maxSlabs,
            packSize: 20_000,
          });
          const datas = files.map((f, i) => bytes(i * 7919 + f.size, f.size));
          const results: Promise<FileContent>[] = [];
          for (const [i, f] of files.entries()) {
            const p = session.writeFile(pieces(datas[i]!, f.piece));
            results.push(p);
            if (f.awaited) await p;
            if (f.flushAfter) await session.flush();
          }
          await session.close();
          const reader = new FileReader(objects, new PackedBlobStore(objects, index), { maxGroupBytes: 3000 });
          for (const [i, p] of results.entries()) {
            const c = await p;
            expect(c.size).toBe(datas[i]!.length);
            expect(c.hash).toBe(sha(datas[i]!));
            const parts: Uint8Array[] = [];
            for await (const part of reader.read(c)) parts.push(part);
            expect(Buffer.compare(Buffer.concat(parts), datas[i]!)).toBe(0);
          }
          const s = session.stats();
          expect(s.files).toBe(files.length);
          expect(s.bytesIn).toBe(datas.reduce((n, d) => n + d.length, 0));
        },
      ),
      { numRuns: 40 },
    );
  }, 120_000);
});
