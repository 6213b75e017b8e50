// Reading a file into reused buffers (FileReader.readReusing): the same bytes
// as read(), a buffer never handed out again while a read into it is under
// way or the consumer still has it, and damage still fails the read when the
// chunks are verified on the hash thread.
import { createCipheriv } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CorruptObject, ObjectNotFound } from '../errors/index.js';
import type { BlobStore } from './blob-store.js';
import { ContentStore } from './content-store.js';
import type { FileContent } from './content.js';
import { FileReader } from './file-reader.js';
import { FsStore } from './fs-store.js';
import { InlineHasher, WorkerHasher, type Hasher } from './hasher.js';
import { MemoryStore } from './memory-store.js';
import { MeteredStore } from './metered-store.js';
import { getBytes, listAll, readRangeInto, type ObjectStore } from './object-store.js';
import { packKey } from './pack-format.js';
import { alignedAt } from './aligned-memory.js';
import { ReadBufferPool } from './read-buffers.js';

/** Deterministic pseudo-random bytes (AES-CTR keystream). */
function bytes(seed: number, n: number): Buffer {
  const key = Buffer.alloc(16);
  key.writeUInt32BE(seed >>> 0);
  return createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(n));
}

const ticks = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

/** A store whose ranged reads land late, in pieces, into the caller's buffer; it knows which buffers a read is still filling. */
class LateStore extends MemoryStore {
  readonly filling = new Set<ArrayBufferLike>();
  reads = 0;
  /** Bytes asked for by each ranged read, in order. */
  readonly lengths: number[] = [];

  async readInto(key: string, offset: number, target: Uint8Array): Promise<number> {
    this.reads++;
    this.lengths.push(target.length);
    this.filling.add(target.buffer);
    try {
      const data = await this.getRange(key, offset, target.length);
      for (let at = 0; at < data.length; at += 100_000) {
        await ticks(1 + (this.reads % 3));
        target.set(data.subarray(at, at + 100_000), at);
      }
      return data.length;
    } finally {
      this.filling.delete(target.buffer);
    }
  }
}

/** A pool that records every buffer handed out while a read still fills it or a consumer still holds it. */
class CheckedPool extends ReadBufferPool {
  readonly held = new Set<ArrayBufferLike>();
  readonly misuse: string[] = [];
  taken = 0;

  constructor(size: number, keep: number, private readonly store: LateStore, align?: number) {
    super(size, keep, align);
  }

  take(): Uint8Array {
    const buf = super.take();
    this.taken++;
    if (this.store.filling.has(buf.buffer)) this.misuse.push('handed out while a read fills it');
    if (this.held.has(buf.buffer)) this.misuse.push('handed out while a consumer holds a piece of it');
    return buf;
  }
}

const hashers: Hasher[] = [];
afterAll(async () => {
  await Promise.all(hashers.map((h) => h.close()));
});
const stores: ContentStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

/** Writes `datas` with a content store over `objects`; their contents, and the blobs that hold long slice lists. */
async function written(objects: ObjectStore, datas: Uint8Array[]): Promise<{ contents: FileContent[]; blobs: BlobStore }> {
  const store = await ContentStore.open(objects, { packSize: 1 << 20 });
  stores.push(store);
  const session = store.writer();
  const pending = datas.map((d) => session.writeFile(d));
  await session.close();
  return { contents: await Promise.all(pending), blobs: store.blobs };
}

describe.each([
  ['on a worker thread', () => new WorkerHasher()],
  ['inline', () => new InlineHasher()],
])('reading into reused buffers, verifying %s', (_name, makeHasher) => {
  it.each([
    ['any', 1],
    ['page-aligned', 4096],
  ])('yields what read() yields, for whole files and ranges, and never reuses a buffer a read fills or a consumer holds (%s buffers)', async (_kind, align) => {
    const hasher = makeHasher();
    hashers.push(hasher);
    const objects = new LateStore();
    const datas = [bytes(1, 3_000_000), bytes(2, 40_000), bytes(3, 1_500_000)];
    const { contents, blobs } = await written(objects, datas);
    // Small groups and buffers, so a file spans many of them and several packs.
    const reader = new FileReader(objects, blobs, { maxGroupBytes: 256 * 1024, readAhead: 3 });
    const pool = new CheckedPool(256 * 1024 + align - 1, 3, objects, align);

    /** Reads like the daemon writing a file: each piece checked, held a while, checked again, then let go. */
    const consume = async (c: FileContent, expected: Uint8Array, range?: { offset: number; length: number }, stopAfter = Infinity) => {
      let at = 0;
      let pieces = 0;
      for await (const piece of reader.readReusing(c, range, { pool, hasher })) {
        const copy = Buffer.from(piece);
        expect(copy.equals(expected.subarray(at, at + piece.length))).toBe(true);
        // Aligned buffers: each piece (here one per group: its chunks lie back to back) lies at its output offset
        // modulo the alignment, in page-aligned memory, so a direct-I/O writer can write it from there.
        if (align > 1) expect(alignedAt(new Uint8Array(piece.buffer, piece.byteOffset - (at % align)), align)).toBe(true);
        pool.held.add(piece.buffer);
        await ticks(5); // reads ahead land meanwhile
        expect(Buffer.from(piece).equals(copy)).toBe(true);
        pool.held.delete(piece.buffer);
        at += piece.length;
        if (++pieces >= stopAfter) break;
      }
      return at;
    };

    // Two readers at once on one pool, a whole file and a range.
    const [a, b] = await Promise.all([
      consume(contents[0]!, datas[0]!),
      consume(contents[2]!, datas[2]!.subarray(123_456, 1_000_000), { offset: 123_456, length: 1_000_000 - 123_456 }),
    ]);
    expect(a).toBe(datas[0]!.length);
    expect(b).toBe(1_000_000 - 123_456);
    expect(await consume(contents[1]!, datas[1]!)).toBe(datas[1]!.length);
    // A consumer that stops early: reads still under way finish before their buffers go back.
    expect(await consume(contents[0]!, datas[0]!, undefined, 2)).toBeGreaterThan(0);
    expect(objects.filling.size).toBe(0);
    expect(pool.idle).toBe(3);
    expect(await consume(contents[0]!, datas[0]!)).toBe(datas[0]!.length);

    expect(pool.misuse).toEqual([]);
    expect(pool.taken).toBeGreaterThan(20);
  });

  it('keeps a piece whose next() was passed a promise until that settles, so its writes can overlap the next piece', async () => {
    const hasher = makeHasher();
    hashers.push(hasher);
    const objects = new LateStore();
    const datas = [bytes(6, 2_000_000)];
    const { contents, blobs } = await written(objects, datas);
    const reader = new FileReader(objects, blobs, { maxGroupBytes: 256 * 1024, readAhead: 3 });
    const pool = new CheckedPool(256 * 1024, 5, objects);
    const intact: boolean[] = [];

    // As the daemon's direct writer: it "writes" each piece (for a while; the piece must stay as it was meanwhile),
    // waits for the writes of the piece before, and asks for the next with the promise of this piece's writes.
    const it = reader.readReusing(contents[0]!, undefined, { pool, hasher });
    let at = 0;
    let before: Promise<void> | undefined;
    for (let inUse: Promise<void> | undefined; ; ) {
      const next = await it.next(inUse);
      if (next.done) break;
      const piece = next.value;
      const copy = Buffer.from(piece);
      expect(copy.equals(datas[0]!.subarray(at, at + piece.length))).toBe(true);
      pool.held.add(piece.buffer);
      const writing = ticks(8).then(() => {
        intact.push(Buffer.from(piece).equals(copy));
        pool.held.delete(piece.buffer);
      });
      await before;
      before = inUse = writing;
      at += piece.length;
    }
    await before;
    expect(at).toBe(datas[0]!.length);
    expect(intact.length).toBeGreaterThan(6);
    expect(intact.every(Boolean)).toBe(true);
    expect(pool.misuse).toEqual([]);

    // A consumer that stops while the writes of the piece before are under way: the reader waits for them
    // before it gives that buffer back (the current piece's writes the consumer finishes before it stops).
    const early = reader.readReusing(contents[0]!, undefined, { pool, hasher });
    const first = await early.next();
    expect(first.done).toBe(false);
    let settled = false;
    const writing = ticks(20).then(() => (settled = true));
    expect((await early.next(writing)).done).toBe(false);
    await early.return();
    expect(settled).toBe(true);
    expect(objects.filling.size).toBe(0);
  });

  it('reads a small first group, then groups twice as large up to the largest, so the consumer starts sooner', async () => {
    const hasher = makeHasher();
    hashers.push(hasher);
    const objects = new LateStore();
    const datas = [bytes(7, 3_000_000)];
    const { contents, blobs } = await written(objects, datas);
    const reader = new FileReader(objects, blobs, { maxGroupBytes: 1024 * 1024, firstGroupBytes: 256 * 1024, readAhead: 3 });
    const pool = new ReadBufferPool(1024 * 1024, 5);
    const got: Buffer[] = [];
    for await (const piece of reader.readReusing(contents[0]!, undefined, { pool, hasher })) got.push(Buffer.from(piece));
    expect(Buffer.concat(got).equals(datas[0]!)).toBe(true);
    // Packs of 1 MiB here (written()), so without the ramp the first group would be most of a pack; chunks are at most 256 KiB.
    const [first, second] = objects.lengths;
    expect(first).toBeLessThanOrEqual(256 * 1024);
    expect(second).toBeLessThanOrEqual(512 * 1024);
    expect(Math.max(...objects.lengths)).toBeGreaterThan(512 * 1024);
  });

  it('fails with CorruptObject, before yielding a byte of it, on a flipped byte or a truncated pack', async () => {
    const hasher = makeHasher();
    hashers.push(hasher);
    const objects = new MemoryStore();
    const data = bytes(4, 800_000);
    const { contents: [c], blobs } = await written(objects, [data]);
    const pack = packKey(c!.refs![0]!.chunk.pack);
    const whole = await getBytes(objects, pack);
    const reader = () => new FileReader(objects, blobs, { maxGroupBytes: 256 * 1024 });
    const pool = new ReadBufferPool(256 * 1024, 4);
    const readAll = async () => {
      const seen: Buffer[] = [];
      try {
        for await (const piece of reader().readReusing(c!, undefined, { pool, hasher })) seen.push(Buffer.from(piece));
      } catch (err) {
        return { err, seen: Buffer.concat(seen) };
      }
      return { err: undefined, seen: Buffer.concat(seen) };
    };

    const damaged = Uint8Array.from(whole);
    damaged[600_000]! ^= 0x01;
    await objects.put(pack, damaged);
    let { err, seen } = await readAll();
    expect(err).toBeInstanceOf(CorruptObject);
    expect(err).toMatchObject({ code: 'CorruptObject', key: pack, message: expect.stringMatching(/sha256 mismatch/) });
    expect(seen.length).toBeLessThanOrEqual(600_000);
    expect(seen.equals(data.subarray(0, seen.length))).toBe(true);

    await objects.put(pack, whole.subarray(0, 500_000));
    ({ err, seen } = await readAll());
    expect(err).toMatchObject({ code: 'CorruptObject', key: pack, message: expect.stringMatching(/truncated pack/) });
    expect(seen.length).toBeLessThanOrEqual(500_000);
    expect(seen.equals(data.subarray(0, seen.length))).toBe(true);
    expect(pool.idle).toBeGreaterThan(0); // the failed reads gave their buffers back
  });
});

describe('the content store reading into reused buffers', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tusk-read-reusing-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a file on disk through a metered store the same as read(), and fails on damage as read() does', async () => {
    const objects = new MeteredStore(await FsStore.open(dir), { request: () => {}, bytes: () => {}, objects: () => {} });
    const data = bytes(5, 20 << 20); // more than two 8 MiB groups
    const { contents: [c] } = await written(objects, [data]);
    const store = await ContentStore.open(objects);
    stores.push(store);
    const parts: Buffer[] = [];
    for await (const p of store.readReusing(c!)) parts.push(Buffer.from(p));
    expect(Buffer.concat(parts).equals(data)).toBe(true);
    expect(parts.length).toBeLessThan(40); // about one per 1 MiB pack, not one per chunk (~320)

    // Damage the pack that holds the file's last bytes (its slice list is in blobs: find them by content).
    const needle = data.subarray(data.length - 5000, data.length - 4900);
    let flipped = 0;
    for await (const key of listAll(objects, 'packs/')) {
      const damaged = Buffer.from(await getBytes(objects, key));
      const at = damaged.indexOf(needle);
      if (at < 0) continue;
      damaged[at]! ^= 0x80;
      await objects.put(key, damaged);
      flipped++;
    }
    expect(flipped).toBe(1);
    const fresh = await ContentStore.open(objects);
    stores.push(fresh);
    const drain = async (it: AsyncIterable<Uint8Array>) => {
      for await (const _ of it);
    };
    const viaRead = await drain(fresh.read(c!)).catch((e: unknown) => e);
    const viaReuse = await drain(fresh.readReusing(c!)).catch((e: unknown) => e);
    expect(viaReuse).toBeInstanceOf(CorruptObject);
    expect((viaReuse as CorruptObject).message).toBe((viaRead as CorruptObject).message);
  });

  it('reads ranges into a given buffer, fewer bytes only at the end, from stores with and without readInto', async () => {
    const fs = await FsStore.open(join(dir, 'ranges'));
    const data = bytes(6, 10_000);
    for (const store of [fs, new MemoryStore()] as ObjectStore[]) {
      await store.put('k', data);
      const target = new Uint8Array(4000);
      expect(await readRangeInto(store, 'k', 100, target)).toBe(4000);
      expect(Buffer.from(target).equals(data.subarray(100, 4100))).toBe(true);
      expect(await readRangeInto(store, 'k', 8000, target)).toBe(2000);
      expect(Buffer.from(target.subarray(0, 2000)).equals(data.subarray(8000))).toBe(true);
      expect(await readRangeInto(store, 'k', 20_000, target)).toBe(0);
      await expect(readRangeInto(store, 'missing', 0, target)).rejects.toBeInstanceOf(ObjectNotFound);
    }
  });
});
