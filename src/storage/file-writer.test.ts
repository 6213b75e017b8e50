import { createCipheriv, createHash } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryChunkIndex } from './chunk-index.js';
import type { FileContent } from './content.js';
import { FileReader } from './file-reader.js';
import { WriteSession, type FillingSource } from './file-writer.js';
import { GearScanThread } from './gear-scan.js';
import { DEFAULT_CHUNK_PARAMS, type ChunkParams } from './chunker.js';
import { InlineHasher, WorkerHasher } from './hasher.js';
import { MemoryStore } from './memory-store.js';
import { PackedBlobStore } from './packed-blob-store.js';
import { decodeRefs } from './ref-codec.js';
import { contentHash } from '../../test/helpers/content-hash.js';

function bytes(seed: number, n: number): Buffer {
  const key = Buffer.alloc(16);
  key.writeUInt32BE(seed >>> 0);
  return createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(n));
}

function* pieces(data: Uint8Array, size: number): Generator<Uint8Array> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
}

/**
 * A FillingSource over `data` (like a local file read into the session's
 * memory): at most `piece` bytes per fill, the bytes landing a tick after the
 * call (as a real read does, while the session scans what came before).
 * Checks that it is closed once, with no fill still running, and never filled after.
 */
class FakeFile implements FillingSource {
  private at = 0;
  private running = 0;
  closes = 0;

  constructor(private readonly data: Uint8Array, private readonly piece: number, private readonly failAt = Infinity, private readonly firstPiece = piece) {}

  async fill(target: Uint8Array): Promise<number> {
    expect(this.closes).toBe(0);
    this.running++;
    await new Promise((r) => setImmediate(r));
    this.running--;
    if (this.at >= this.failAt) throw new Error('disk on fire');
    const n = Math.min(target.length, this.at === 0 ? this.firstPiece : this.piece, this.data.length - this.at, this.failAt - this.at);
    target.set(this.data.subarray(this.at, this.at + n));
    this.at += n;
    return n;
  }

  async close(): Promise<void> {
    expect(this.running).toBe(0);
    this.closes++;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    yield* pieces(this.data, this.piece);
  }
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const worker = new WorkerHasher();
afterAll(() => worker.close());

// Tiny chunks and slabs, so that a few hundred KB exercise many cuts, slab
// switches with carried-over chunks, waits for free slabs and pack seals.
const SMALL = { minSize: 64, avgSize: 256, maxSize: 1024 };

describe('writeFiles', () => {
  it('resolves a batch whose large file is followed by an empty one (its digest waits for the batch end)', async () => {
    for (const hasher of [new InlineHasher(), worker]) {
      const objects = new MemoryStore();
      const index = new MemoryChunkIndex();
      const session = new WriteSession(objects, { index, hasher, chunking: SMALL, largeFile: 2048, slabSize: 8192, maxSlabs: 2, packSize: 20_000 });
      const data = bytes(1, 2048);
      const timeout = new Promise<'hung'>((r) => setTimeout(() => r('hung'), 5000).unref());
      const got = await Promise.race([session.writeFiles([data, new Uint8Array(0), data, new Uint8Array(0)]), timeout]);
      expect(got).not.toBe('hung');
      const contents = got as FileContent[];
      expect(contents.map((c) => c.size)).toEqual([2048, 0, 2048, 0]);
      await session.close();
    }
  });
});

describe('write session under stress', () => {
  it('writes any mix of files, split any way or many whole at once, awaited or queued, with flushes between, and reads all back', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            size: fc.oneof(fc.nat({ max: 3000 }), fc.nat({ max: 60_000 })),
            piece: fc.integer({ min: 1, max: 5000 }),
            awaited: fc.boolean(),
            flushAfter: fc.boolean(),
            filling: fc.boolean(),
            /** Written with the files after it in one writeFiles, up to the first that is not. */
            batched: fc.boolean(),
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
          const fakes: FakeFile[] = [];
          for (let i = 0; i < files.length; i++) {
            const f = files[i]!;
            if (f.batched) {
              let end = i + 1;
              while (end < files.length && files[end]!.batched) end++;
              const first = i;
              const batch = session.writeFiles(datas.slice(first, end));
              for (let j = first; j < end; j++) results.push(batch.then((contents) => contents[j - first]!));
              i = end - 1;
              if (files[i]!.awaited) await batch;
              if (files[i]!.flushAfter) await session.flush();
              continue;
            }
            const fake = new FakeFile(datas[i]!, f.piece);
            if (f.filling) fakes.push(fake);
            const p = session.writeFile(f.filling ? fake : pieces(datas[i]!, f.piece));
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
          for (const fake of fakes) expect(fake.closes).toBe(1);
          const s = session.stats();
          expect(s.files).toBe(files.length);
          expect(s.bytesIn).toBe(datas.reduce((n, d) => n + d.length, 0));
        },
      ),
      { numRuns: 40 },
    );
  }, 120_000);
});

describe('write session reading a file into its own memory', () => {
  it('cuts the same chunks as from pieces, and a failing read fails only its file', async () => {
    const data = bytes(42, 50_000);
    const write = async (source: (d: Uint8Array) => FillingSource | Iterable<Uint8Array>) => {
      const objects = new MemoryStore();
      const index = new MemoryChunkIndex();
      const session = new WriteSession(objects, { index, hasher: worker, chunking: SMALL, largeFile: 2048, slabSize: 8192, maxSlabs: 2, packSize: 20_000 });
      const content = await session.writeFile(source(data));
      await session.close();
      const blobs = new PackedBlobStore(objects, index);
      const refs = content.refs ?? (await Promise.all((content.indirect ?? []).map(async (id) => decodeRefs(await blobs.get(id), id)))).flat();
      return { hash: content.hash, layout: refs.map((r) => [r.chunk.hash, r.start, r.length]) };
    };
    const iterated = await write((d) => pieces(d, 3000));
    const filled = await write((d) => new FakeFile(d, 3000));
    expect(filled.hash).toBe(sha(data));
    expect(filled.layout.length).toBeGreaterThan(40);
    expect(filled.layout).toEqual(iterated.layout);

    const objects = new MemoryStore();
    const index = new MemoryChunkIndex();
    const session = new WriteSession(objects, { index, hasher: worker, chunking: SMALL, largeFile: 2048, slabSize: 8192, maxSlabs: 2, packSize: 20_000 });
    const broken = new FakeFile(data, 3000, 20_000);
    const failed = session.writeFile(broken);
    const after = session.writeFile(new FakeFile(data.subarray(0, 9000), 3000));
    await expect(failed).rejects.toThrow('disk on fire');
    await session.close();
    expect(broken.closes).toBe(1);
    const late = new FakeFile(data, 3000);
    await expect(session.writeFile(late)).rejects.toMatchObject({ code: 'WriteSessionClosed' });
    expect(late.closes).toBe(1); // a write that never ran still closes its source
    const c = await after;
    const parts: Uint8Array[] = [];
    for await (const part of new FileReader(objects, new PackedBlobStore(objects, index)).read(c)) parts.push(part);
    expect(Buffer.compare(Buffer.concat(parts), data.subarray(0, 9000))).toBe(0);
  });
});

describe('content hashes of large files', () => {
  it('hashes a file of 1 MiB or more from its own chunks, the same however it arrives, and its bytes on request', async () => {
    const sizes = [(1 << 20) - 1, 1 << 20, (1 << 20) + 5000];
    for (const [i, size] of sizes.entries()) {
      const data = bytes(100 + i, size);
      const expected = contentHash(data, SMALL);
      if (size < 1 << 20) expect(expected).toBe(sha(data));
      const seen = new Set<string>();
      for (const largeFile of [2048, 1]) {
        const session = new WriteSession(new MemoryStore(), { index: new MemoryChunkIndex(), hasher: i === 1 ? worker : new InlineHasher(), chunking: SMALL, largeFile, slabSize: 8192, maxSlabs: 2 });
        const before = session.writeFile(bytes(7, 3000 + i));
        const iterated = session.writeFile(pieces(data, 777));
        const filled = session.writeFileHashed(new FakeFile(data, 5000));
        const whole = session.writeFile(data);
        await session.close();
        for (const c of [await iterated, (await filled).content, await whole]) seen.add(c.hash);
        expect((await filled).sha256).toBe(sha(data));
        expect((await before).hash).toBe(sha(bytes(7, 3000 + i)));
      }
      expect([...seen]).toEqual([expected]);
    }
  });

  it('gives the MD5 of a file\'s bytes on request, beside its sha256 or alone, whatever its size', async () => {
    const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');
    for (const hasher of [worker, new InlineHasher()]) {
      const session = new WriteSession(new MemoryStore(), { index: new MemoryChunkIndex(), hasher, slabSize: 1 << 20, maxSlabs: 2 });
      const datas = [bytes(1, 1_300_000), bytes(2, 700), new Uint8Array(0), bytes(3, (1 << 20) + 17)];
      const both = datas.map((d) => session.writeFileHashed(pieces(d, 65_536), { md5: true }));
      const alone = datas.map((d) => session.writeFileHashed(d, { md5: true, sha256: false }));
      const plain = session.writeFile(bytes(4, 500));
      await session.close();
      for (const [i, d] of datas.entries()) {
        expect(await both[i]).toMatchObject({ sha256: sha(d), md5: md5(d), content: { hash: contentHash(d, DEFAULT_CHUNK_PARAMS) } });
        expect(await alone[i]).toMatchObject({ sha256: '', md5: md5(d), content: { hash: contentHash(d, DEFAULT_CHUNK_PARAMS) } });
      }
      expect((await plain).hash).toBe(sha(bytes(4, 500)));
    }
  });

  it('cuts a local file exactly the same with its cuts or cut candidates found on the scan thread', async () => {
    const thread = new GearScanThread();
    let searches = 0;
    let chained = 0;
    const counting = {
      candidates: (...args: Parameters<GearScanThread['candidates']>) => (searches++, thread.candidates(...args)),
      cuts: (...args: Parameters<GearScanThread['cuts']>) => (chained++, thread.cuts(...args)),
      newChain: () => thread.newChain(),
    } as unknown as GearScanThread;
    // Sizes around multiples of the minimum and maximum chunk sizes; runs of zeros have no cut candidate (chunks of the maximum size there).
    const sizes = [(1 << 20) + 16_384 - 1, 3 * (1 << 20) + 262_144 + 1, 5 * (1 << 20) + 31, 9 * (1 << 20) - 16_385];
    const datas = sizes.map((size, i) => {
      const data = bytes(40 + i, size);
      data.fill(0, size >> 2, (size >> 2) + 600_000 + i);
      return data;
    });
    const write = async (chunking: ChunkParams, gearScan?: GearScanThread) => {
      const objects = new MemoryStore();
      const index = new MemoryChunkIndex();
      const session = new WriteSession(objects, { index, hasher: worker, chunking, ...(gearScan ? { gearScan } : {}) });
      // The third file's first read is short: too short to begin a chain of cuts, so its large reads get cut candidates.
      const contents = datas.flatMap((d, i) => [session.writeFile(new FakeFile(d, 2 << 20, Infinity, i === 2 ? 300_000 : 2 << 20)), session.writeFile(bytes(70 + i, 5000 + i))]);
      await session.close();
      const blobs = new PackedBlobStore(objects, index);
      return Promise.all(
        contents.map(async (c) => {
          const content = await c;
          const refs = content.refs ?? (await Promise.all((content.indirect ?? []).map(async (id) => decodeRefs(await blobs.get(id), id)))).flat();
          return { hash: content.hash, layout: refs.map((r) => [r.chunk.hash, r.start, r.length]) };
        }),
      );
    };
    try {
      // The default sizes, and smaller ones (more cuts, so more of them fall near a scan's first bytes).
      for (const chunking of [DEFAULT_CHUNK_PARAMS, { minSize: 2048, avgSize: 8192, maxSize: 32_768 }]) {
        searches = 0;
        chained = 0;
        const ahead = await write(chunking, counting);
        expect(searches).toBeGreaterThan(0);
        expect(chained).toBeGreaterThan(5);
        expect(ahead).toEqual(await write(chunking));
        datas.forEach((d, i) => expect(ahead[2 * i]!.hash).toBe(contentHash(d, chunking)));
      }
    } finally {
      await thread.close();
    }
  });

  it("starts a large local file's hash thread with its first read, before its first hash batch (the two thread boots overlap)", async () => {
    const thread = new GearScanThread();
    const inline = new InlineHasher();
    const calls: string[] = [];
    const hasher = {
      newStream: () => inline.newStream(),
      run: (...args: Parameters<InlineHasher['run']>) => (calls.push('run'), inline.run(...args)),
      verify: (...args: Parameters<InlineHasher['verify']>) => inline.verify(...args),
      warm: () => calls.push('warm'),
      close: () => inline.close(),
    };
    try {
      const session = new WriteSession(new MemoryStore(), { index: new MemoryChunkIndex(), hasher, gearScan: thread });
      const small = session.writeFile(bytes(80, 5000));
      await session.flush();
      expect(calls).toEqual(['run']); // a small file in memory boots nothing
      calls.length = 0;
      const data = bytes(81, 6 << 20);
      const large = session.writeFile(new FakeFile(data, 2 << 20));
      await session.close();
      expect(calls[0]).toBe('warm');
      expect(calls.filter((c) => c === 'warm')).toHaveLength(1);
      expect(calls.filter((c) => c === 'run').length).toBeGreaterThan(1);
      expect((await large).hash).toBe(contentHash(data, DEFAULT_CHUNK_PARAMS));
      expect((await small).hash).toBe(sha(bytes(80, 5000)));
    } finally {
      await thread.close();
    }
  });

  it('refuses a session that would not cut a file of 1 MiB on its own', () => {
    expect(() => new WriteSession(new MemoryStore(), { index: new MemoryChunkIndex(), hasher: new InlineHasher(), largeFile: (1 << 20) + 1, slabSize: 8 << 20 })).toThrow(RangeError);
  });
});
