// CacheStore: the ObjectStore contract over a MemoryStore, then what a cache
// must get right: hits, LRU eviction under its byte budget, surviving damaged
// or vanished cache files, forgetting deleted and overwritten keys, reuse after
// a restart.
import { mkdtemp, readdir, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CacheStore } from './cache-store.js';
import { FsStore } from './fs-store.js';
import { MemoryStore } from './memory-store.js';
import { objectStoreContract, pseudoRandom } from './object-store.contract.js';
import { getBytes, type ObjectStore } from './object-store.js';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'tusk-cache-'));
}

// Each store is ready (its folders made) before a test starts: a test that never touches the disk (refused keys)
// would otherwise remove the folder while they are still being made (ENOTEMPTY in the cleanup).
objectStoreContract('CacheStore over MemoryStore', async () => {
  const dir = await tempDir();
  const store = new CacheStore(new MemoryStore(), dir, 64 * 1024 * 1024);
  await store.ready;
  return { store, cleanup: () => rm(dir, { recursive: true, force: true }) };
});

objectStoreContract('CacheStore over FsStore, small budget', async () => {
  const dir = await tempDir();
  // A budget far below the test objects: eviction runs all the time, answers must not change.
  const store = new CacheStore(await FsStore.open(join(dir, 'objects')), join(dir, 'cache'), 64 * 1024, { maxWholeObjectBytes: 16 * 1024 });
  await store.ready;
  return { store, cleanup: () => rm(dir, { recursive: true, force: true }) };
});

/** A MemoryStore that counts the reads that reach it. */
class CountingStore extends MemoryStore {
  ranges = 0;
  gets = 0;
  override async getRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    this.ranges++;
    return super.getRange(key, offset, length);
  }
  override async get(key: string): Promise<AsyncIterable<Uint8Array>> {
    this.gets++;
    return super.get(key);
  }
}

const cacheFiles = async (dir: string) => (await readdir(dir)).filter((n) => n !== '.tmp').sort();

describe('CacheStore', () => {
  let dir: string;
  let inner: CountingStore;
  const data = pseudoRandom(10_000, 1);

  beforeEach(async () => {
    dir = await tempDir();
    inner = new CountingStore();
    await inner.put('pack/1', data);
    await inner.put('pack/2', data);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('serves a repeated range from disk', async () => {
    const cache = new CacheStore(inner, dir, 1 << 20);
    for (let i = 0; i < 3; i++) expect(Buffer.compare(await cache.getRange('pack/1', 100, 200), data.subarray(100, 300))).toBe(0);
    expect(inner.ranges).toBe(1);
    expect(cache.stats()).toMatchObject({ hits: 2, misses: 1, entries: 1 });
    await cache.getRange('pack/1', 100, 201); // a different range is a different entry
    expect(inner.ranges).toBe(2);
  });

  it('joins concurrent reads of the same range into one inner read', async () => {
    const cache = new CacheStore(inner, dir, 1 << 20);
    const results = await Promise.all(Array.from({ length: 5 }, () => cache.getRange('pack/1', 0, 1000)));
    for (const r of results) expect(Buffer.compare(r, data.subarray(0, 1000))).toBe(0);
    expect(inner.ranges).toBe(1);
  });

  it('caches small whole objects but streams big ones through', async () => {
    await inner.put('big', pseudoRandom(5000, 2));
    const cache = new CacheStore(inner, dir, 1 << 20, { maxWholeObjectBytes: 4096 });
    for (let i = 0; i < 2; i++) expect(Buffer.compare(await getBytes(cache, 'pack/1'), data)).toBe(0); // 10 000 > 4096: not cached
    expect(inner.gets).toBe(2);
    await inner.put('small', Buffer.from('tiny object'));
    for (let i = 0; i < 3; i++) expect(Buffer.from(await getBytes(cache, 'small')).toString()).toBe('tiny object');
    expect(inner.gets).toBe(3);
  });

  it('evicts the least recently used entries to stay under maxBytes', async () => {
    // Each entry: 1000 bytes + a 32-byte checksum. Room for three.
    const cache = new CacheStore(inner, dir, 3 * 1032 + 100);
    await cache.getRange('pack/1', 0, 1000); // A
    await cache.getRange('pack/1', 1000, 1000); // B
    await cache.getRange('pack/1', 2000, 1000); // C
    await cache.getRange('pack/1', 0, 1000); // A is used again: B is now the oldest
    await cache.getRange('pack/1', 3000, 1000); // D pushes B out
    expect(cache.stats()).toMatchObject({ entries: 3, evictions: 1, bytes: 3 * 1032 });
    expect(await cacheFiles(dir)).toHaveLength(3);
    inner.ranges = 0;
    await cache.getRange('pack/1', 0, 1000);
    await cache.getRange('pack/1', 2000, 1000);
    await cache.getRange('pack/1', 3000, 1000);
    expect(inner.ranges).toBe(0);
    await cache.getRange('pack/1', 1000, 1000);
    expect(inner.ranges).toBe(1);
  });

  it('does not cache what can never fit', async () => {
    const cache = new CacheStore(inner, dir, 500);
    await cache.getRange('pack/1', 0, 1000);
    await cache.getRange('pack/1', 0, 1000);
    expect(inner.ranges).toBe(2);
    expect(await cacheFiles(dir)).toEqual([]);
  });

  it('falls back to the inner store when a cache file is damaged or gone', async () => {
    const cache = new CacheStore(inner, dir, 1 << 20);
    await cache.getRange('pack/1', 0, 1000);
    await cache.getRange('pack/2', 0, 1000);
    const [first, second] = await cacheFiles(dir);
    // Flip the content of one (same length) and delete the other.
    const damaged = pseudoRandom(1032, 99);
    await writeFile(join(dir, first!), damaged);
    await unlink(join(dir, second!));
    expect(Buffer.compare(await cache.getRange('pack/1', 0, 1000), data.subarray(0, 1000))).toBe(0);
    expect(Buffer.compare(await cache.getRange('pack/2', 0, 1000), data.subarray(0, 1000))).toBe(0);
    expect(cache.stats()).toMatchObject({ damaged: 2 });
    expect(inner.ranges).toBe(4);
    // Re-cached: the next reads are hits again.
    await cache.getRange('pack/1', 0, 1000);
    await cache.getRange('pack/2', 0, 1000);
    expect(inner.ranges).toBe(4);
    // A file cut short is noticed too.
    await truncate(join(dir, (await cacheFiles(dir))[0]!), 500);
    expect((await cache.getRange('pack/1', 0, 1000)).length).toBe(1000);
  });

  it('forgets a key on delete and on overwrite', async () => {
    const cache = new CacheStore(inner, dir, 1 << 20);
    await cache.getRange('pack/1', 0, 100);
    await getBytes(cache, 'pack/1');
    await cache.delete('pack/1');
    expect(await cacheFiles(dir)).toEqual([]);
    await expect(cache.getRange('pack/1', 0, 100)).rejects.toMatchObject({ code: 'ObjectNotFound' });
    await expect(cache.get('pack/1')).rejects.toMatchObject({ code: 'ObjectNotFound' });
    await cache.getRange('pack/2', 0, 5);
    await cache.put('pack/2', Buffer.from('replaced'));
    expect(Buffer.from(await cache.getRange('pack/2', 0, 5)).toString()).toBe('repla');
  });

  it('does not cache a read that raced with a delete', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let fetched!: () => void;
    const atGate = new Promise<void>((r) => (fetched = r));
    const slow: ObjectStore = Object.assign(Object.create(inner) as ObjectStore, {
      getRange: async (key: string, offset: number, length: number) => {
        const bytes = await inner.getRange(key, offset, length);
        fetched();
        await gate;
        return bytes;
      },
    });
    const cache = new CacheStore(slow, dir, 1 << 20);
    const reading = cache.getRange('pack/1', 0, 100);
    await atGate; // the bytes were read; the delete comes before they are kept
    await cache.delete('pack/1');
    release();
    await reading;
    expect(await cacheFiles(dir)).toEqual([]);
  });

  it('reuses its files after a restart, oldest evicted first', async () => {
    const first = new CacheStore(inner, dir, 1 << 20);
    await first.getRange('pack/1', 0, 1000);
    await new Promise((r) => setTimeout(r, 20)); // distinct modification times
    await first.getRange('pack/1', 1000, 1000);
    await writeFile(join(dir, '.tmp', 'half-written'), 'x');
    inner.ranges = 0;
    const second = new CacheStore(inner, dir, 1 << 20);
    await second.getRange('pack/1', 0, 1000);
    await second.getRange('pack/1', 1000, 1000);
    expect(inner.ranges).toBe(0);
    expect(await readdir(join(dir, '.tmp'))).toEqual([]);
    // A smaller budget on open keeps only the newest entry.
    const third = new CacheStore(inner, dir, 1500);
    await third.ready;
    expect(third.stats()).toMatchObject({ entries: 1, evictions: 1 });
    await third.getRange('pack/1', 1000, 1000);
    expect(inner.ranges).toBe(0);
  });
});
