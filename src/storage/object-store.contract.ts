// The ObjectStore contract: one vitest suite that every backend and wrapper
// runs (fs-store, s3-store, memory-store, cache-store), so they agree on what
// get, getRange, put, list, delete, exists and size mean, including errors.
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getBytes, listAll, type ObjectStore } from './object-store.js';

export interface ContractOptions {
  /** Size of the big streamed object (default 12 MiB: more than two 5 MiB S3 parts). */
  largeObjectBytes?: number;
  /** Tests a backend cannot pass for a reason outside our code, each with that reason (they are skipped, and say why). */
  knownDeviations?: { mixedSeparatorOrder?: string; emptyObjectRange?: string };
}

export type MakeStore = () => Promise<{ store: ObjectStore; cleanup: () => Promise<void> }>;

export function objectStoreContract(name: string, makeStore: MakeStore, options: ContractOptions = {}): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let store: ObjectStore;
    let cleanup: (() => Promise<void>) | undefined;

    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
    });
    afterEach(async () => {
      await cleanup?.();
      cleanup = undefined;
    });

    it('reads back the bytes it was given', async () => {
      const data = pseudoRandom(100_000, 1);
      await store.put('a/b/object', data);
      expect(Buffer.compare(await getBytes(store, 'a/b/object'), data)).toBe(0);
    });

    it('takes a stream of odd-sized chunks', async () => {
      const data = pseudoRandom(300_001, 2);
      await store.put('streamed', chunked(data, [1, 7, 65_536, 3, 100_000]));
      expect(Buffer.compare(await getBytes(store, 'streamed'), data)).toBe(0);
    });

    it('streams a large object in and out without changing a byte', async () => {
      const size = options.largeObjectBytes ?? 12 * 1024 * 1024;
      await store.put('big/object', generated(size, 3));
      expect(await store.size('big/object')).toBe(size);
      let seen = 0;
      const hash = createHash('sha256');
      for await (const part of await store.get('big/object')) {
        hash.update(part);
        seen += part.length;
      }
      expect(seen).toBe(size);
      expect(hash.digest('hex')).toBe(await sha256Of(generated(size, 3)));
      const middle = await store.getRange('big/object', size / 2 - 10, 20);
      expect(Buffer.compare(middle, slice(size, 3, size / 2 - 10, 20))).toBe(0);
    });

    it('reads ranges, clipping at the end of the object', async () => {
      const data = pseudoRandom(1000, 4);
      await store.put('ranged', data);
      expect(Buffer.compare(await store.getRange('ranged', 100, 50), data.subarray(100, 150))).toBe(0);
      expect(Buffer.compare(await store.getRange('ranged', 0, 1000), data)).toBe(0);
      expect(Buffer.compare(await store.getRange('ranged', 990, 100), data.subarray(990))).toBe(0);
      expect((await store.getRange('ranged', 1000, 10)).length).toBe(0);
      expect((await store.getRange('ranged', 5000, 10)).length).toBe(0);
      expect((await store.getRange('ranged', 10, 0)).length).toBe(0);
      await expect(store.getRange('ranged', -1, 10)).rejects.toMatchObject({ code: 'InvalidRange' });
    });

    it('reports a missing key as ObjectNotFound, when get is called', async () => {
      await expect(store.get('no/such/key')).rejects.toMatchObject({ code: 'ObjectNotFound', kind: 'not_found' });
      await expect(store.getRange('no/such/key', 0, 10)).rejects.toMatchObject({ code: 'ObjectNotFound' });
      expect(await store.exists('no/such/key')).toBe(false);
      expect(await store.size('no/such/key')).toBeUndefined();
    });

    it('replaces an object on overwrite', async () => {
      await store.put('k', Buffer.from('first version, longer'));
      await store.put('k', Buffer.from('second'));
      expect(Buffer.from(await getBytes(store, 'k')).toString()).toBe('second');
      expect(await store.size('k')).toBe(6);
    });

    it('stores empty objects', async () => {
      await store.put('empty/bytes', new Uint8Array(0));
      await store.put('empty/stream', chunked(new Uint8Array(0), [1]));
      for (const key of ['empty/bytes', 'empty/stream']) {
        expect(await store.exists(key)).toBe(true);
        expect(await store.size(key)).toBe(0);
        expect((await getBytes(store, key)).length).toBe(0);
      }
      expect((await store.list('empty/')).keys).toEqual(['empty/bytes', 'empty/stream']);
    });

    it.skipIf(options.knownDeviations?.emptyObjectRange !== undefined)(
      `reads an empty range from an empty object${skipNote(options.knownDeviations?.emptyObjectRange)}`,
      async () => {
        await store.put('empty', new Uint8Array(0));
        expect((await store.getRange('empty', 0, 10)).length).toBe(0);
      },
    );

    it('answers exists and size', async () => {
      await store.put('x/y', pseudoRandom(1234, 5));
      expect(await store.exists('x/y')).toBe(true);
      expect(await store.size('x/y')).toBe(1234);
      expect(await store.exists('x')).toBe(false); // a prefix is not an object
      expect(await store.size('x')).toBeUndefined();
    });

    it('deletes, and deleting a missing key is fine', async () => {
      await store.put('d/1', Buffer.from('one'));
      await store.put('d/2', Buffer.from('two'));
      await store.delete('d/1');
      expect(await store.exists('d/1')).toBe(false);
      await expect(store.get('d/1')).rejects.toMatchObject({ code: 'ObjectNotFound' });
      expect((await store.list('d/')).keys).toEqual(['d/2']);
      await store.delete('d/1');
      await store.delete('never/was');
    });

    it('lists by prefix, including partial segments', async () => {
      for (const key of ['x/1', 'x/2', 'x/sub/3', 'xy', 'y/1', 'z']) await store.put(key, Buffer.from(key));
      expect((await store.list('x/')).keys).toEqual(['x/1', 'x/2', 'x/sub/3']);
      expect((await store.list('x')).keys).toEqual(['x/1', 'x/2', 'x/sub/3', 'xy']);
      expect((await store.list('x/s')).keys).toEqual(['x/sub/3']);
      expect((await store.list('')).keys).toEqual(['x/1', 'x/2', 'x/sub/3', 'xy', 'y/1', 'z']);
      expect((await store.list('nothing/')).keys).toEqual([]);
      expect((await store.list('x/')).next).toBeUndefined();
    });

    it('pages through a listing with limit and next', async () => {
      const keys = Array.from({ length: 25 }, (_, i) => `p/${String(i).padStart(3, '0')}`);
      await Promise.all(keys.map((k) => store.put(k, Buffer.from(k))));
      await store.put('q/outside', Buffer.from('q'));
      const sizes: number[] = [];
      const seen: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await store.list('p/', { after, limit: 7 });
        sizes.push(page.keys.length);
        seen.push(...page.keys);
        if (page.next === undefined) break;
        expect(page.next).toBe(page.keys[page.keys.length - 1]);
        after = page.next;
      }
      expect(sizes).toEqual([7, 7, 7, 4]);
      expect(seen).toEqual(keys);
      const all: string[] = [];
      for await (const k of listAll(store, 'p/', 10)) all.push(k);
      expect(all).toEqual(keys);
    });

    it('starts a listing after a given key, present or not', async () => {
      for (const key of ['a/1', 'a/2', 'a/4', 'b/1']) await store.put(key, Buffer.from(key));
      expect((await store.list('a/', { after: 'a/2' })).keys).toEqual(['a/4']);
      expect((await store.list('a/', { after: 'a/3' })).keys).toEqual(['a/4']);
      expect((await store.list('a/', { after: 'a/4' })).keys).toEqual([]);
      expect((await store.list('', { after: 'a/' })).keys).toEqual(['a/1', 'a/2', 'a/4', 'b/1']);
      expect((await store.list('', { after: 'a/9' })).keys).toEqual(['b/1']);
      expect((await store.list('b/', { after: '0' })).keys).toEqual(['b/1']);
    });

    it.skipIf(options.knownDeviations?.mixedSeparatorOrder !== undefined)(
      `orders keys with slashes by their bytes, across pages${skipNote(options.knownDeviations?.mixedSeparatorOrder)}`,
      async () => {
        // '-' (0x2d) < '/' (0x2f) < '0' (0x30): an object and a "directory" of the same name interleave.
        const sorted = ['a', 'a-c', 'a/b', 'a/b-c', 'a/b/c', 'a/bc', 'a0', 'b', 'z', 'é/x'];
        for (const key of [...sorted].reverse()) await store.put(key, Buffer.from(key));
        expect((await store.list('')).keys).toEqual(sorted);
        const paged: string[] = [];
        for await (const k of listAll(store, '', 2)) paged.push(k);
        expect(paged).toEqual(sorted);
        expect((await store.list('a/', { after: 'a/b' })).keys).toEqual(['a/b-c', 'a/b/c', 'a/bc']);
        expect((await store.list('a/b/', { after: 'a/b-c' })).keys).toEqual(['a/b/c']);
      },
    );

    it('keeps keys with unusual characters distinct', async () => {
      const keys = ['%', '%25', '.hidden', 'dir%/x', 'dir/x', 'space name', 'tmp/.tmp', '~'];
      for (const key of keys) await store.put(key, Buffer.from(`value of ${key}`));
      for (const key of keys) expect(Buffer.from(await getBytes(store, key)).toString()).toBe(`value of ${key}`);
      expect([...(await store.list('')).keys].sort()).toEqual([...keys].sort());
    });

    it('refuses keys that are not plain relative paths', async () => {
      for (const key of ['', '/abs', 'a/../b', '..', 'a//b', 'a/', './a', 'nul\0byte']) {
        await expect(store.put(key, Buffer.from('x')), JSON.stringify(key)).rejects.toMatchObject({ code: 'InvalidObjectKey', kind: 'invalid_argument' });
        await expect(store.get(key), JSON.stringify(key)).rejects.toMatchObject({ code: 'InvalidObjectKey' });
      }
    });

    it('shows a streamed object only once it is complete', async () => {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      async function* slow(): AsyncGenerator<Uint8Array> {
        yield Buffer.from('first half, ');
        await gate;
        yield Buffer.from('second half');
      }
      const putting = store.put('slow/object', slow());
      await new Promise((r) => setTimeout(r, 50));
      expect(await store.exists('slow/object')).toBe(false);
      expect((await store.list('slow/')).keys).toEqual([]);
      release();
      await putting;
      expect(Buffer.from(await getBytes(store, 'slow/object')).toString()).toBe('first half, second half');
    });

    it('leaves the old object in place when a streamed put fails midway', async () => {
      await store.put('fragile', Buffer.from('old'));
      const boom = new Error('source failed');
      async function* failing(): AsyncGenerator<Uint8Array> {
        yield pseudoRandom(100_000, 6);
        throw boom;
      }
      await expect(store.put('fragile', failing())).rejects.toBe(boom);
      await expect(store.put('never', failing())).rejects.toBe(boom);
      expect(Buffer.from(await getBytes(store, 'fragile')).toString()).toBe('old');
      expect(await store.exists('never')).toBe(false);
      expect((await store.list('')).keys).toEqual(['fragile']);
    });

    it('takes concurrent puts of different keys', async () => {
      const keys = Array.from({ length: 20 }, (_, i) => `c/${i}/obj`);
      await Promise.all(keys.map((k, i) => store.put(k, i % 2 ? pseudoRandom(10_000 + i, i) : chunked(pseudoRandom(10_000 + i, i), [4096]))));
      for (const [i, k] of keys.entries()) expect(Buffer.compare(await getBytes(store, k), pseudoRandom(10_000 + i, i))).toBe(0);
      expect((await store.list('c/')).keys).toEqual([...keys].sort());
    });
  });
}

function skipNote(reason: string | undefined): string {
  return reason ? ` (skipped: ${reason})` : '';
}

/** Deterministic bytes (xorshift), so failures are reproducible. */
export function pseudoRandom(length: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** `data` as a stream of chunks whose sizes cycle through `sizes`. */
export async function* chunked(data: Uint8Array, sizes: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (let i = 0; at < data.length; i++) {
    const n = sizes[i % sizes.length]!;
    yield data.subarray(at, at + n);
    at += n;
  }
}

const BLOCK = 64 * 1024;

/** A `size`-byte stream made of 64 KiB pseudo-random blocks, produced on the fly (never all in memory). */
export async function* generated(size: number, seed: number): AsyncGenerator<Uint8Array> {
  for (let at = 0, block = 0; at < size; at += BLOCK, block++) yield pseudoRandom(Math.min(BLOCK, size - at), seed * 100_003 + block);
}

function slice(size: number, seed: number, offset: number, length: number): Buffer {
  const parts: Buffer[] = [];
  const first = Math.floor(offset / BLOCK);
  for (let block = first; block * BLOCK < Math.min(size, offset + length); block++) {
    parts.push(pseudoRandom(Math.min(BLOCK, size - block * BLOCK), seed * 100_003 + block));
  }
  const all = Buffer.concat(parts);
  return all.subarray(offset - first * BLOCK, offset - first * BLOCK + length);
}

async function sha256Of(stream: AsyncIterable<Uint8Array>): Promise<string> {
  const hash = createHash('sha256');
  for await (const part of stream) hash.update(part);
  return hash.digest('hex');
}
