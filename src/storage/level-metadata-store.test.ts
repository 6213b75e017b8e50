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
