// The MetadataStore contract: one vitest suite that every implementation runs
// (LevelDB and memory), so they agree on what get, prefix scans, key order,
// copies and atomic batches mean.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MetadataStore } from './metadata-store.js';

export type MakeMetadataStore = () => Promise<{ store: MetadataStore; cleanup: () => Promise<void> }>;

interface Record {
  name: string;
  n: number;
  tags?: string[];
  note?: string;
}

export function metadataStoreContract(name: string, makeStore: MakeMetadataStore): void {
  describe(`MetadataStore contract: ${name}`, () => {
    let store: MetadataStore;
    let cleanup: (() => Promise<void>) | undefined;

    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
    });
    afterEach(async () => {
      await cleanup?.();
      cleanup = undefined;
    });

    it('reads back what a batch wrote, and nothing for a missing key', async () => {
      const t = store.table<Record>('things');
      await store.batch([t.putOp('a', { name: 'a', n: 1, tags: ['x', 'y'] })], { sync: true });
      expect(await t.get('a')).toEqual({ name: 'a', n: 1, tags: ['x', 'y'] });
      expect(await t.get('b')).toBeUndefined();
    });

    it('hands out copies: changing a value read or written later changes nothing stored', async () => {
      const t = store.table<Record>('things');
      const value: Record = { name: 'a', n: 1, tags: ['x'] };
      await store.batch([t.putOp('a', value)], { sync: false });
      value.n = 2;
      const read = (await t.get('a'))!;
      read.tags!.push('changed');
      expect(await t.get('a')).toEqual({ name: 'a', n: 1, tags: ['x'] });
    });

    it('drops fields holding undefined, as JSON does', async () => {
      const t = store.table<Record>('things');
      await store.batch([t.putOp('a', { name: 'a', n: 1, note: undefined })], { sync: false });
      expect(Object.keys((await t.get('a'))!).sort()).toEqual(['n', 'name']);
    });

    it('stores strings, numbers and the empty string as values', async () => {
      const s = store.table<string>('strings');
      const n = store.table<number>('numbers');
      await store.batch([s.putOp('e', ''), s.putOp('x', 'text'), n.putOp('seq', 42)], { sync: true });
      expect(await s.get('e')).toBe('');
      expect(await s.get('x')).toBe('text');
      expect(await n.get('seq')).toBe(42);
    });

    it('scans a prefix in key order, including partial segments, and the empty prefix scans the table', async () => {
      const t = store.table<string>('keys');
      const keys = ['repo/b', 'repo/a', 'repo2/a', 'rep', 'repo/a/deep', 'other/x'];
      await store.batch(keys.map((k) => t.putOp(k, k.toUpperCase())), { sync: false });
      expect(await t.keys('repo/')).toEqual(['repo/a', 'repo/a/deep', 'repo/b']);
      expect(await t.values('repo/')).toEqual(['REPO/A', 'REPO/A/DEEP', 'REPO/B']);
      expect(await t.keys('repo')).toEqual(['repo/a', 'repo/a/deep', 'repo/b', 'repo2/a']);
      expect(await t.keys('')).toEqual(['other/x', 'rep', 'repo/a', 'repo/a/deep', 'repo/b', 'repo2/a']);
      expect(await t.keys('none/')).toEqual([]);
      const iterated: string[] = [];
      for await (const v of t.iterateValues('repo/')) iterated.push(v);
      expect(iterated).toEqual(['REPO/A', 'REPO/A/DEEP', 'REPO/B']);
    });

    it('orders keys by their UTF-8 bytes and bounds a prefix scan below U+FFFF', async () => {
      const t = store.table<string>('unicode');
      // UTF-16 code units would put the emoji (a surrogate pair) before U+E000 and U+FFFD; UTF-8 puts it last.
      const keys = ['p/\u{1F600}', 'p/\ufffd', 'p/\ue000', 'p/z', 'p/\u00e9'];
      await store.batch(keys.map((k) => t.putOp(k, k)), { sync: false });
      expect(await t.keys('')).toEqual(['p/z', 'p/\u00e9', 'p/\ue000', 'p/\ufffd', 'p/\u{1F600}']);
      expect(await t.keys('p/')).toEqual(['p/z', 'p/\u00e9', 'p/\ue000', 'p/\ufffd']);
    });

    it('keeps tables apart, even when one name starts with another', async () => {
      const a = store.table<string>('pps');
      const b = store.table<string>('pps-jobs');
      await store.batch([a.putOp('k', 'in a'), b.putOp('k', 'in b'), b.putOp('j', 'only b')], { sync: false });
      expect(await a.get('k')).toBe('in a');
      expect(await a.keys('')).toEqual(['k']);
      expect(await b.keys('')).toEqual(['j', 'k']);
      expect(await store.table<string>('pps').get('k')).toBe('in a');
    });

    it('applies a batch in order, across tables', async () => {
      const a = store.table<number>('a');
      const b = store.table<number>('b');
      await store.batch([a.putOp('x', 1), b.putOp('y', 1)], { sync: true });
      await store.batch([a.putOp('x', 2), a.delOp('x'), b.delOp('y'), b.putOp('y', 3), a.delOp('never-there')], { sync: true });
      expect(await a.get('x')).toBeUndefined();
      expect(await b.get('y')).toBe(3);
      await store.batch([], { sync: true });
      expect(await b.keys('')).toEqual(['y']);
    });

    it('counts the writes of each table: a batch changes the count of the tables it writes as it starts and as it ends', async () => {
      const a = store.table<number>('a');
      const b = store.table<number>('b');
      const before = store.writeCount('a');
      const other = store.writeCount('b');
      const writing = store.batch([a.putOp('k', 1), a.putOp('l', 2)], { sync: true });
      const during = store.writeCount('a');
      expect(during).not.toBe(before);
      await writing;
      expect(store.writeCount('a')).not.toBe(during);
      expect(store.writeCount('a')).not.toBe(before);
      expect(store.writeCount('b')).toBe(other);
    });

    it('writes none of a batch when one of its values cannot be stored', async () => {
      const t = store.table<unknown>('t');
      const cyclic: { self?: unknown } = {};
      cyclic.self = cyclic;
      await expect(store.batch([t.putOp('first', 1), t.putOp('bad', cyclic)], { sync: true })).rejects.toThrow();
      expect(await t.keys('')).toEqual([]);
    });
  });
}
