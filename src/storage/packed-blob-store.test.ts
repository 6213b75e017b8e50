import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemoryChunkIndex, rebuildChunkIndex } from './chunk-index.js';
import { MemoryStore } from './memory-store.js';
import { getBytes, listAll } from './object-store.js';
import { PackedBlobStore } from './packed-blob-store.js';

async function keys(store: MemoryStore): Promise<string[]> {
  const out: string[] = [];
  for await (const k of listAll(store, '')) out.push(k);
  return out;
}

describe('packed blob store', () => {
  it('serves blobs before and after flush, and packs 10,000 of them into a few objects', async () => {
    const objects = new MemoryStore();
    const index = new MemoryChunkIndex();
    const blobs = new PackedBlobStore(objects, index);
    const data = Array.from({ length: 10_000 }, (_, i) => randomBytes(100 + (i % 900)));
    await Promise.all(data.map((d, i) => blobs.put(`node-${i}`, d)));
    expect(Buffer.compare(await blobs.get('node-17'), data[17]!)).toBe(0); // not flushed yet
    await blobs.flush();
    expect((await keys(objects)).length).toBeLessThanOrEqual(4);
    const reopened = new PackedBlobStore(objects, index);
    for (const i of [0, 17, 9999]) expect(Buffer.compare(await reopened.get(`node-${i}`), data[i]!)).toBe(0);
    expect(await reopened.has('node-5')).toBe(true);
    expect(await reopened.has('node-x')).toBe(false);
  });

  it('treats a second put under the same ID as a no-op', async () => {
    const objects = new MemoryStore();
    const blobs = new PackedBlobStore(objects, new MemoryChunkIndex());
    await blobs.put('a', Buffer.from('first'));
    await blobs.flush();
    await blobs.put('a', Buffer.from('second'));
    await blobs.flush();
    expect(Buffer.from(await blobs.get('a')).toString()).toBe('first');
    expect((await keys(objects)).length).toBe(2);
  });

  it('keeps the blobs of a small flush (a commit\'s new nodes) for reads, not those of a big one', async () => {
    const objects = new MemoryStore();
    let reads = 0;
    const counted = Object.assign(Object.create(objects) as MemoryStore, {
      getRange: (key: string, offset: number, length: number) => (reads++, objects.getRange(key, offset, length)),
    });
    const blobs = new PackedBlobStore(counted, new MemoryChunkIndex());
    const small = [randomBytes(3000), randomBytes(4000)];
    await blobs.put('root', small[0]!);
    await blobs.put('leaf', small[1]!);
    await blobs.flush();
    expect(Buffer.compare(await blobs.get('root'), small[0]!)).toBe(0);
    expect(Buffer.compare(await blobs.get('leaf'), small[1]!)).toBe(0);
    expect(reads).toBe(0);
    const big = Array.from({ length: 100 }, () => randomBytes(4000)); // 400 KB in one flush
    for (let i = 0; i < big.length; i++) await blobs.put(`big${i}`, big[i]!);
    await blobs.flush();
    expect(Buffer.compare(await blobs.get('big50'), big[50]!)).toBe(0);
    expect(reads).toBe(1);
  });

  it('throws ObjectNotFound for an unknown ID', async () => {
    const blobs = new PackedBlobStore(new MemoryStore(), new MemoryChunkIndex());
    await expect(blobs.get('nope')).rejects.toMatchObject({ code: 'ObjectNotFound', kind: 'not_found' });
  });

  it('detects a damaged blob by the checksum in its pack index', async () => {
    const objects = new MemoryStore();
    const index = new MemoryChunkIndex();
    const blobs = new PackedBlobStore(objects, index);
    await blobs.put('a', randomBytes(1000));
    await blobs.flush();
    const pack = (await keys(objects)).find((k) => !k.endsWith('.idx'))!;
    const bytes = Uint8Array.from(await getBytes(objects, pack));
    bytes[500]! ^= 1;
    await objects.put(pack, bytes);
    const fresh = new PackedBlobStore(objects, index);
    await expect(fresh.get('a')).rejects.toMatchObject({ code: 'CorruptObject', key: pack });
    const rebuilt = new MemoryChunkIndex();
    await rebuildChunkIndex(objects, rebuilt);
    expect(await rebuilt.has('blob', 'a')).toBe(true);
  });

  it('getMany returns blobs in the order asked, from memory and from packs, with few reads', async () => {
    const objects = new MemoryStore();
    const index = new MemoryChunkIndex();
    const writer = new PackedBlobStore(objects, index, { packSize: 64 * 1024 });
    const data = Array.from({ length: 300 }, (_, i) => randomBytes(100 + (i % 700)));
    for (let i = 0; i < data.length; i++) await writer.put(`b${i}`, data[i]!);
    await writer.flush();
    let reads = 0;
    const counted = Object.assign(Object.create(objects) as MemoryStore, {
      getRange: (key: string, offset: number, length: number) => (reads++, objects.getRange(key, offset, length)),
    });
    const reader = new PackedBlobStore(counted, index);
    await reader.get('b7'); // now in the byte cache
    reads = 0;
    const ids = [299, 7, 3, 150, 0, ...Array.from({ length: 100 }, (_, i) => 100 + i)].map((i) => `b${i}`);
    const got = await reader.getMany(ids);
    ids.forEach((id, k) => expect(Buffer.compare(got[k]!, data[Number(id.slice(1))]!)).toBe(0));
    const packs = (await keys(objects)).filter((k) => !k.endsWith('.idx')).length;
    expect(packs).toBeGreaterThan(1);
    expect(reads).toBeLessThanOrEqual(packs); // one read per pack touched, not one per blob
    await expect(reader.getMany(['b1', 'nope'])).rejects.toMatchObject({ code: 'ObjectNotFound' });
  });

  it('getMany finds blobs whose pack was rewritten elsewhere between the lookup and the read', async () => {
    const objects = new MemoryStore();
    const oldIndex = new MemoryChunkIndex();
    const old = new PackedBlobStore(objects, oldIndex);
    await old.put('a', Buffer.from('alpha'));
    await old.put('b', Buffer.from('beta'));
    await old.flush();
    const [oldPack] = (await keys(objects)).filter((k) => !k.endsWith('.idx'));
    // the collector's move: the same blobs in a new pack, then the old pack deleted
    const newIndex = new MemoryChunkIndex();
    const moved = new PackedBlobStore(objects, newIndex);
    await moved.put('a', Buffer.from('alpha'));
    await moved.put('b', Buffer.from('beta'));
    await moved.flush();
    await objects.delete(oldPack!);
    // an index that answered each first lookup before the move, and later ones after it
    const asked = new Set<string>();
    const shifting = Object.assign(Object.create(newIndex) as MemoryChunkIndex, {
      lookup: async (kind: 'blob' | 'chunk', key: string) => {
        const first = !asked.has(key);
        asked.add(key);
        return first ? oldIndex.lookup(kind, key) : newIndex.lookup(kind, key);
      },
    });
    const reader = new PackedBlobStore(objects, shifting);
    expect((await reader.getMany(['b', 'a'])).map((b) => Buffer.from(b).toString())).toEqual(['beta', 'alpha']);
  });
});
