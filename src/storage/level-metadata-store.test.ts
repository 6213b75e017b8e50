// The MetadataStore contract on LevelDB, and what only a disk store promises:
// records survive closing and reopening, and a second opener is refused.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { describe, expect, it } from 'vitest';
import { LevelMetadataStore } from './level-metadata-store.js';
import { metadataStoreContract } from './metadata-store.contract.js';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'tusk-meta-'));
}

metadataStoreContract('LevelDB', async () => {
  const dir = await tempDir();
  const store = await LevelMetadataStore.open(dir);
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe('LevelMetadataStore', () => {
  it('a long loop of reads (synchronous ones, mostly) still lets the event loop turn, and reads what was written', async () => {
    const dir = await tempDir();
    const store = await LevelMetadataStore.open(dir);
    try {
      const t = store.table<{ n: number }>('things');
      await store.batch([t.putOp('a', { n: 1 }), t.putOp('b', { n: 2 })], { sync: false });
      await new Promise((r) => setImmediate(r)); // the sublevel has opened
      let turned = false;
      setImmediate(() => (turned = true));
      let sum = 0;
      for (let i = 0; i < 2000 && !turned; i++) sum += ((await t.get(i % 2 ? 'a' : 'b'))?.n ?? 0) + ((await t.get('missing'))?.n ?? 0);
      expect(turned).toBe(true);
      expect(sum).toBeGreaterThan(0);
      expect(await t.get('b')).toEqual({ n: 2 });
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps records across close and reopen, and refuses a second opener meanwhile', async () => {
    const dir = await tempDir();
    try {
      const store = await LevelMetadataStore.open(dir);
      const t = store.table<{ n: number }>('things');
      await store.batch([t.putOp('a', { n: 1 })], { sync: true });
      await expect(LevelMetadataStore.open(dir)).rejects.toThrow();
      await store.close();
      const again = await LevelMetadataStore.open(dir);
      expect(await again.table<{ n: number }>('things').get('a')).toEqual({ n: 1 });
      await again.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('LevelMetadataStore on disk', () => {
  it('writes the same keys and bytes as sublevels with the json encoding (homes written before read the same)', async () => {
    const [ours, theirs] = [await tempDir(), await tempDir()];
    try {
      const store = await LevelMetadataStore.open(ours);
      const t = store.table<unknown>('pps-datums');
      const u = store.table<unknown>('repos');
      const values = [{ id: 'é/ü', files: [{ path: '/a b', size: 5 }], note: undefined }, 'text', 7, [1, 'x'], true];
      await store.batch([...values.map((v, i) => t.putOp(`p/j/${i}`, v)), u.putOp('r', { name: 'r' }), t.putOp('gone', 1), t.delOp('gone')], { sync: true });
      await store.close();

      const other = new ClassicLevel<string, unknown>(theirs, { valueEncoding: 'json' });
      const [ts, us] = [other.sublevel<string, unknown>('pps-datums', { valueEncoding: 'json' }), other.sublevel<string, unknown>('repos', { valueEncoding: 'json' })];
      await other.batch([
        ...values.map((v, i) => ({ type: 'put' as const, sublevel: ts, key: `p/j/${i}`, value: v })),
        { type: 'put' as const, sublevel: us, key: 'r', value: { name: 'r' } },
      ]);
      await other.close();

      const raw = async (dir: string) => {
        const db = new ClassicLevel<string, string>(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
        const all = await db.iterator().all();
        await db.close();
        return all;
      };
      const written = await raw(ours);
      expect(written).toEqual(await raw(theirs));
      expect(written).toHaveLength(values.length + 1);
    } finally {
      await rm(ours, { recursive: true, force: true });
      await rm(theirs, { recursive: true, force: true });
    }
  });

  it('refuses a batch with a value JSON cannot hold, and writes none of it', async () => {
    const dir = await tempDir();
    const store = await LevelMetadataStore.open(dir);
    try {
      const t = store.table<unknown>('things');
      await expect(store.batch([t.putOp('a', 1), t.putOp('b', undefined)], { sync: false })).rejects.toThrow();
      await expect(store.batch([t.putOp('a', 1), t.putOp('b', null)], { sync: false })).rejects.toThrow();
      expect(await t.get('a')).toBeUndefined();
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
