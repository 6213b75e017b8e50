import { createCipheriv, createHash } from 'node:crypto';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { CorruptObject, isTuskError } from '../errors/index.js';
import { MemoryChunkIndex, rebuildChunkIndex } from './chunk-index.js';
import { ContentStore, type ContentStoreOptions } from './content-store.js';
import { CHUNK_LIST_TAG, EMPTY_HASH, type FileContent } from './content.js';
import { MemoryStore } from './memory-store.js';
import { getBytes, listAll, type ObjectStore } from './object-store.js';
import { packKey } from './pack-format.js';
import { contentHash } from '../../test/helpers/content-hash.js';

/** Deterministic pseudo-random bytes (AES-CTR keystream), fast enough for megabytes. */
function bytes(seed: number, n: number): Buffer {
  const key = Buffer.alloc(16);
  key.writeUInt32BE(seed >>> 0);
  return createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(n));
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function* pieces(data: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
}

async function keys(store: ObjectStore, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for await (const k of listAll(store, prefix)) out.push(k);
  return out;
}

async function storedBytes(store: ObjectStore): Promise<number> {
  let n = 0;
  for (const k of await keys(store)) n += (await store.size(k)) ?? 0;
  return n;
}

const opened: ContentStore[] = [];
async function open(objects: ObjectStore, options: ContentStoreOptions = {}): Promise<ContentStore> {
  const store = await ContentStore.open(objects, options);
  opened.push(store);
  return store;
}
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

async function expectCorrupt(p: Promise<unknown>): Promise<CorruptObject> {
  try {
    await p;
  } catch (err) {
    expect(isTuskError(err)).toBe(true);
    expect((err as CorruptObject).code).toBe('CorruptObject');
    return err as CorruptObject;
  }
  throw new Error('expected CorruptObject, got data');
}

describe.each([
  ['hashing on a worker thread', true],
  ['hashing inline', false],
])('content store, %s', (_name, hashThread) => {
  it('reads back what was written, whatever the sizes and buffer splits', async () => {
    const store = await open(new MemoryStore(), { hashThread });
    const session = store.writer();
    const sizes = [0, 1, 1000, 16 * 1024, 255 * 1024, 256 * 1024, 300_000, 3 << 20];
    const datas = sizes.map((n, i) => bytes(i + 1, n));
    const pending = datas.map((d, i) => session.writeFile(i % 2 ? pieces(d, 7777 + i) : d));
    await session.close();
    const contents = await Promise.all(pending);
    for (const [i, c] of contents.entries()) {
      expect(c.size).toBe(sizes[i]);
      expect(c.hash).toBe(contentHash(datas[i]!));
      if (sizes[i]! < 1 << 20) expect(c.hash).toBe(sha(datas[i]!));
      expect(Buffer.compare(await store.readBytes(c), datas[i]!)).toBe(0);
    }
    expect(contents[0]).toEqual({ size: 0, hash: EMPTY_HASH, refs: [] });
  });

  it('hashOf gives the content hash of stored bytes however they were chunked, storing nothing', async () => {
    const objects = new MemoryStore();
    const store = await open(objects, { hashThread });
    const session = store.writer();
    const data = bytes(5, 9 * 1024 * 1024 + 12345);
    const c = await session.writeFile(data);
    // The same bytes as three files, glued: chunks cut at the seams, as an S3 multipart upload's parts are.
    const cuts = [3_000_000, 6_000_001];
    const parts = await Promise.all([data.subarray(0, cuts[0]), data.subarray(cuts[0], cuts[1]), data.subarray(cuts[1])].map((p) => session.writeFile(p)));
    const small = await session.writeFile(data.subarray(0, 100_000));
    const empty = await session.writeFile(new Uint8Array(0));
    await session.close();
    expect(parts.every((p) => p.indirect !== undefined)).toBe(true); // so their ref lists glue by concatenation
    const glued: FileContent = { size: data.length, hash: '', indirect: parts.flatMap((p) => p.indirect!) };
    expect(c.hash).toBe(contentHash(data));
    const stored = await keys(objects);
    expect(await store.hashOf(glued)).toBe(c.hash);
    expect(await store.hashOf(c)).toBe(c.hash);
    expect(await store.hashOf(small)).toBe(sha(data.subarray(0, 100_000)));
    expect(await store.hashOf(empty)).toBe(EMPTY_HASH);
    expect(await keys(objects)).toEqual(stored);
  });

  it('never gives a small file the content hash of the large file whose chunk list it spells out', async () => {
    const store = await open(new MemoryStore(), { hashThread });
    const session = store.writer();
    const large = await session.writeFile(bytes(9, 2 * 1024 * 1024 + 7));
    expect(large.refs?.length).toBeGreaterThan(1);
    // Exactly the bytes the large file's hash is computed from: tag, size, each chunk's sha256.
    const size = Buffer.alloc(8);
    size.writeBigUInt64BE(BigInt(large.size));
    const spelled = Buffer.concat([CHUNK_LIST_TAG, size, ...large.refs!.map((r) => Buffer.from(r.chunk.hash, 'hex'))]);
    const small = await session.writeFile(spelled);
    await session.close();
    expect(small.hash).toBe(sha(spelled));
    expect(small.hash).not.toBe(large.hash);
  });

  it('stores the same big file only once, whatever was written before it', async () => {
    const objects = new MemoryStore();
    const store = await open(objects, { hashThread });
    const big = bytes(42, 5 << 20);
    const first = store.writer();
    void first.writeFile(bytes(1, 3000));
    const a = first.writeFile(big);
    await first.close();
    const before = await storedBytes(objects);

    const second = store.writer();
    void second.writeFile(bytes(2, 5000));
    const b = second.writeFile(pieces(big, 65_536));
    await second.close();
    const s = second.stats();
    expect(s.bytesNew).toBeLessThan(6000); // the 5000-byte file, nothing of the big one
    expect((await a).hash).toBe((await b).hash);

    const third = store.writer();
    await third.writeFile(big);
    await third.close();
    expect(third.stats()).toMatchObject({ chunksNew: 0, bytesNew: 0, objects: 0 });
    expect(await storedBytes(objects)).toBe(before + s.bytesWritten);
    expect(s.objects).toBe(2);
  });
});

describe('content store', () => {
  it('writes the same file twice without storing new pack bytes', async () => {
    const objects = new MemoryStore();
    const store = await open(objects);
    const data = bytes(7, 2 << 20);
    const one = store.writer();
    await one.writeFile(data);
    await one.close();
    const size = await storedBytes(objects);
    const count = (await keys(objects)).length;
    const two = store.writer();
    const c = await two.writeFile(data);
    await two.close();
    expect(await storedBytes(objects)).toBe(size);
    expect((await keys(objects)).length).toBe(count);
    expect(two.stats().chunksDeduped).toBeGreaterThan(20);
    expect(Buffer.compare(await store.readBytes(c), data)).toBe(0);
  });

  it('packs 100,000 files of 1 KiB into a handful of objects', async () => {
    const objects = new MemoryStore();
    const store = await open(objects, { hashThread: true });
    const session = store.writer();
    const all = bytes(9, 100_000 * 1024);
    const pending: Promise<FileContent>[] = [];
    for (let i = 0; i < 100_000; i++) pending.push(session.writeFile(all.subarray(i * 1024, (i + 1) * 1024)));
    await session.close();
    const contents = await Promise.all(pending);
    const objectKeys = await keys(objects);
    expect(objectKeys.length).toBeLessThan(50);
    expect(session.stats()).toMatchObject({ files: 100_000, bytesIn: 100_000 * 1024 });
    expect(session.stats().chunksNew).toBeLessThan(3000); // chunks span files: ~64 KiB each, not one per file
    for (const i of [0, 1, 4567, 50_000, 99_999]) {
      expect(contents[i]!.hash).toBe(sha(all.subarray(i * 1024, (i + 1) * 1024)));
      expect(Buffer.compare(await store.readBytes(contents[i]!), all.subarray(i * 1024, (i + 1) * 1024))).toBe(0);
    }
  }, 120_000);

  it('resolves an awaited write at once, even for a small file', async () => {
    const store = await open(new MemoryStore());
    const session = store.writer();
    const a = await session.writeFile(bytes(1, 100));
    const b = await session.writeFile(bytes(2, 100));
    await session.flush();
    expect(Buffer.compare(await store.readBytes(a), bytes(1, 100))).toBe(0);
    expect(Buffer.compare(await store.readBytes(b), bytes(2, 100))).toBe(0);
    await session.close();
  });

  it('resolves queued small files when an empty file is the last one queued (no flush needed)', async () => {
    const store = await open(new MemoryStore());
    const session = store.writer();
    // Queued without awaiting, as `put file -r` does: a small file, then an empty one, then nothing.
    const queued = [session.writeFile(bytes(3, 100)), session.writeFile(new Uint8Array(0))];
    const [a, empty] = await Promise.all(queued);
    expect(empty).toEqual({ size: 0, hash: EMPTY_HASH, refs: [] });
    await session.flush();
    expect(Buffer.compare(await store.readBytes(a!), bytes(3, 100))).toBe(0);
    await session.close();
  });

  it('cuts the same chunks for the same files however their sources are split', async () => {
    const store = await open(new MemoryStore(), { hashThread: false });
    const layout = (c: FileContent) => c.refs!.map((r) => `${r.chunk.hash}:${r.start}:${r.length}`);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ size: fc.nat({ max: 400_000 }), piece: fc.integer({ min: 1, max: 100_000 }) }), { minLength: 1, maxLength: 6 }),
        async (files) => {
          const datas = files.map((f, i) => bytes(1000 + i, f.size));
          const whole = store.writer();
          const a = datas.map((d) => whole.writeFile(d));
          await whole.close();
          const split = store.writer();
          const b = datas.map((d, i) => split.writeFile(pieces(d, files[i]!.piece)));
          await split.close();
          for (let i = 0; i < files.length; i++) expect(layout(await b[i]!)).toEqual(layout(await a[i]!));
        },
      ),
      { numRuns: 15 },
    );
  });

  it('keeps a long file slice list in blobs and reads any range of it', async () => {
    const store = await open(new MemoryStore());
    const data = bytes(5, 6 << 20);
    const session = store.writer();
    const c = await session.writeFile(data);
    await session.close();
    expect(c.refs).toBeUndefined();
    expect(c.indirect?.length).toBeGreaterThan(0);
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: data.length + 10 }), fc.nat({ max: 1 << 20 }), async (offset, length) => {
        const got = await store.readBytes(c, { offset, length });
        expect(Buffer.compare(got, data.subarray(offset, offset + length))).toBe(0);
      }),
      { numRuns: 40 },
    );
  });

  it('reports a flipped byte in a pack as CorruptObject, never as data', async () => {
    const objects = new MemoryStore();
    const store = await open(objects);
    const session = store.writer();
    const c = await session.writeFile(bytes(3, 1 << 20));
    await session.close();
    const pack = packKey(c.refs![0]!.chunk.pack);
    const damaged = Uint8Array.from(await getBytes(objects, pack));
    damaged[100]! ^= 0x20;
    await objects.put(pack, damaged);
    const fresh = await open(objects); // no cached chunks
    const err = await expectCorrupt(fresh.readBytes(c));
    expect(err.key).toBe(pack);
  });

  it('readMany reads many small files written together with one ranged read per stretch of their pack, each verified', async () => {
    const objects = new MemoryStore();
    const store = await open(objects);
    const datas = Array.from({ length: 300 }, (_, i) => Buffer.from(`${i}\n`));
    const first = store.writer(); // two sessions: two packs
    const pending = datas.slice(0, 150).map((d) => first.writeFile(d));
    await first.close();
    const second = store.writer();
    pending.push(...datas.slice(150).map((d) => second.writeFile(d)));
    const big = second.writeFile(bytes(8, 3 << 20)); // several chunks: read as read() reads it
    await second.close();
    const contents = [...(await Promise.all(pending)), await big, { size: 0, hash: EMPTY_HASH, refs: [] }];
    expect(contents[0]!.refs![0]!.chunk.pack).not.toBe(contents[299]!.refs![0]!.chunk.pack);
    expect(contents.slice(0, 300).every((c) => c.refs?.length === 1)).toBe(true);
    let gets = 0;
    const counted = Object.assign(Object.create(objects) as MemoryStore, {
      getRange: (key: string, offset: number, length: number) => {
        gets++;
        return objects.getRange(key, offset, length);
      },
    });
    const fresh = await open(counted); // no cached chunks
    const read = await Promise.all(fresh.readMany([...contents.slice(0, 300), contents[301]!]));
    datas.forEach((d, i) => expect(Buffer.from(read[i]!).toString()).toBe(d.toString()));
    expect(read[300]!.length).toBe(0);
    expect(gets).toBe(2); // one per pack; before: one per small file
    const [whole] = await Promise.all(fresh.readMany([contents[300]!]));
    expect(Buffer.compare(whole!, bytes(8, 3 << 20))).toBe(0);
    // A damaged chunk fails the files in it, as CorruptObject, and no other file.
    const chunk = contents[0]!.refs![0]!.chunk;
    const damaged = Uint8Array.from(await getBytes(objects, packKey(chunk.pack)));
    damaged[chunk.offset + 1]! ^= 0x20;
    await objects.put(packKey(chunk.pack), damaged);
    const again = await open(objects);
    const settled = await Promise.allSettled(again.readMany(contents.slice(0, 300)));
    expect(settled.filter((r) => r.status === 'fulfilled').length).toBeGreaterThanOrEqual(150);
    for (const [i, r] of settled.entries()) {
      if (contents[i]!.refs![0]!.chunk.hash === chunk.hash) await expectCorrupt(r.status === 'rejected' ? Promise.reject(r.reason) : Promise.resolve(r.value));
      else expect(r.status === 'fulfilled' && Buffer.from(r.value).toString()).toBe(datas[i]!.toString());
    }
  });

  it('hashOf reports a flipped byte as CorruptObject, not as a hash', async () => {
    const objects = new MemoryStore();
    const store = await open(objects);
    const session = store.writer();
    const c = await session.writeFile(bytes(4, 1 << 20));
    await session.close();
    const last = c.refs![c.refs!.length - 1]!.chunk; // damage the last chunk: hashing has begun when it shows
    const pack = packKey(last.pack);
    const damaged = Uint8Array.from(await getBytes(objects, pack));
    damaged[last.offset + 10]! ^= 0x20;
    await objects.put(pack, damaged);
    await expectCorrupt((await open(objects)).hashOf(c));
  });

  it('reports a truncated pack as CorruptObject', async () => {
    const objects = new MemoryStore();
    const store = await open(objects);
    const session = store.writer();
    const c = await session.writeFile(bytes(4, 1 << 20));
    await session.close();
    const pack = c.refs![0]!.chunk.pack;
    const whole = await getBytes(objects, packKey(pack));
    await objects.put(packKey(pack), whole.subarray(0, (1 << 20) - 10)); // into the entries, past the trailer
    const fresh = await open(objects);
    const parts: Uint8Array[] = [];
    await expectCorrupt((async () => { for await (const p of fresh.read(c)) parts.push(p); })());
    const seen = parts.reduce((n, p) => n + p.length, 0);
    expect(seen).toBeLessThan(1 << 20);
    // whatever was yielded before the error is correct data
    expect(Buffer.compare(Buffer.concat(parts), bytes(4, 1 << 20).subarray(0, seen))).toBe(0);
  });

  it('rebuilds the index from the object store alone and finds every chunk and blob', async () => {
    const objects = new MemoryStore();
    const index = new MemoryChunkIndex();
    const store = await open(objects, { index });
    const session = store.writer();
    for (let i = 0; i < 20; i++) void session.writeFile(bytes(i, 200_000 + i * 50_000));
    await session.close();
    await store.blobs.put('node-a', bytes(100, 500));
    await store.blobs.flush();
    const rebuilt = new MemoryChunkIndex();
    const stats = await rebuildChunkIndex(objects, rebuilt);
    expect(rebuilt.size).toEqual(index.size);
    expect(stats.packs).toBe(index.size.packs);
    const reopened = await open(objects);
    expect(Buffer.compare(await reopened.blobs.get('node-a'), bytes(100, 500))).toBe(0);
    const again = reopened.writer();
    for (let i = 0; i < 20; i++) void again.writeFile(bytes(i, 200_000 + i * 50_000));
    await again.close();
    expect(again.stats().objects).toBe(0); // everything was found in the rebuilt index
  });

  it('rejects a file whose source fails, and keeps the session usable', async () => {
    const store = await open(new MemoryStore());
    const session = store.writer();
    async function* broken() {
      yield bytes(1, 10_000);
      throw new Error('disk went away');
    }
    const bad = session.writeFile(broken());
    const good = session.writeFile(bytes(2, 10_000));
    await expect(bad).rejects.toThrow('disk went away');
    await session.close();
    expect(Buffer.compare(await store.readBytes(await good), bytes(2, 10_000))).toBe(0);
  });

  it('refuses a source that yields something other than bytes', async () => {
    const store = await open(new MemoryStore());
    const session = store.writer();
    const bad = session.writeFile(['text'] as unknown as Iterable<Uint8Array>);
    await expect(bad).rejects.toThrow(TypeError);
    await session.close();
  });

  it('runs concurrent sessions independently', async () => {
    const store = await open(new MemoryStore());
    const sessions = [store.writer(), store.writer(), store.writer()];
    const writes = sessions.map((s, i) => [s.writeFile(bytes(i, 1 << 20)), s.writeFile(bytes(99, 300_000))] as const);
    await Promise.all(sessions.map((s) => s.close()));
    for (const [i, [a, b]] of writes.entries()) {
      expect(Buffer.compare(await store.readBytes(await a), bytes(i, 1 << 20))).toBe(0);
      expect(Buffer.compare(await store.readBytes(await b), bytes(99, 300_000))).toBe(0);
    }
  });

  it('reads back every file when sessions one after another, and one session across flushes, reuse the same slab memory', async () => {
    const store = await open(new MemoryStore());
    const written: [Promise<FileContent>, Buffer][] = [];
    for (let round = 0; round < 4; round++) {
      const s = store.writer();
      for (let f = 0; f < 3; f++) {
        const data = bytes(round * 10 + f, 2_000_000 + round * 77_777 + f); // carried across slabs, cut mid-slab
        written.push([s.writeFile(pieces(data, 65_536)), data]);
        await s.flush(); // idle: the slab memory goes back to the store, and the next write takes it again
      }
      const small = bytes(500 + round, 1234);
      written.push([s.writeFile(small), small]);
      await s.close();
    }
    for (const [content, data] of written) expect(sha(await store.readBytes(await content))).toBe(sha(data));
  });

  it('fails the session, not silently, when the object store refuses writes', async () => {
    const objects = new MemoryStore();
    objects.put = async () => { throw new Error('bucket is gone'); };
    const store = await open(objects);
    const session = store.writer();
    void session.writeFile(bytes(1, 40 << 20)).catch(() => undefined);
    await expect(session.flush()).rejects.toThrow('bucket is gone');
    await expect(session.writeFile(bytes(2, 10))).rejects.toThrow('bucket is gone');
  });

  it('refuses writes after close', async () => {
    const store = await open(new MemoryStore());
    const session = store.writer();
    await session.close();
    await expect(session.writeFile(bytes(1, 10))).rejects.toMatchObject({ code: 'WriteSessionClosed' });
  });

  it('refuses a negative read range', async () => {
    const store = await open(new MemoryStore());
    const session = store.writer();
    const c = await session.writeFile(bytes(1, 10));
    await session.close();
    await expect(store.readBytes(c, { offset: -1, length: 2 })).rejects.toMatchObject({ code: 'InvalidRange' });
  });
});

describe('pack index objects', () => {
  it('are all in place once close() resolves, though writes no longer wait for them, and a reopened store rebuilds none', async () => {
    const objects = new MemoryStore();
    const put = objects.put.bind(objects);
    objects.put = async (key, body, options) => {
      if (key.endsWith('.idx')) await new Promise((resolve) => setTimeout(resolve, 20)); // a slow index write
      await put(key, body, options);
    };
    const store = await ContentStore.open(objects, { hashThread: false });
    const session = store.writer();
    const bytes = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 7919) % 251);
    const content = await session.writeFile(bytes);
    await session.close();
    await store.blobs.put('a'.repeat(64), new Uint8Array([1, 2, 3]));
    await store.blobs.flush();
    await store.close();
    const all = await keys(objects, 'packs/');
    const packs = all.filter((k) => !k.endsWith('.idx'));
    expect(packs.length).toBeGreaterThan(0);
    for (const p of packs) expect(all).toContain(`${p}.idx`);
    const events: string[] = [];
    const reopened = await open(objects, { hashThread: false, log: (_level, event) => void events.push(event) });
    expect(events).not.toContain('pack_index_rebuilt');
    expect(Buffer.compare(await reopened.readBytes(content), bytes)).toBe(0);
  });
});
