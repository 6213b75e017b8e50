// The MetadataStore contract on LevelDB, and what only a disk store promises:
// records survive closing and reopening, and a second opener is refused.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
