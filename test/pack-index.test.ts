// A damaged or missing pack index never keeps the daemon from starting (issue
// 18 point 5): indexes are derived data, rebuilt from their packs at start and
// logged. Runs on local disk and, in the `s3` project, on an s3rver bucket
// (the daemon's local read cache is emptied too, so the rebuild reads S3).
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TuskClient } from '../src/client/index.js';
import { listAll } from '../src/storage/object-store.js';
import { openObjectStore } from '../src/storage/store-url.js';
import { startDaemon, type DaemonHandle } from './helpers/daemon.js';

let daemon: DaemonHandle | undefined;
afterAll(async () => {
  await daemon?.stop();
});

async function read(client: TuskClient, file: string): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const p of client.getFile(file)) parts.push(p);
  return Buffer.concat(parts).toString();
}

describe('pack indexes', () => {
  it('a daemon whose pack indexes are damaged or missing rebuilds them from the packs, logs it, and serves every file', async () => {
    daemon = await startDaemon();
    let client = new TuskClient(daemon.address);
    await client.createRepo('docs');
    const files: Record<string, string> = {};
    for (let i = 0; i < 3; i++) {
      files[`/f${i}.txt`] = `document ${i} `.repeat(200 + i);
      await client.putFile('docs@master', `/f${i}.txt`, Buffer.from(files[`/f${i}.txt`]!));
    }
    client.close();
    await daemon.stop({ keepHome: true });

    const objects = openObjectStore(daemon.storage ?? `file://${join(daemon.home, 'objects')}`, { ...process.env, ...daemon.storageEnv });
    const indexes: string[] = [];
    for await (const key of listAll(objects, 'packs/')) if (key.endsWith('.idx')) indexes.push(key);
    expect(indexes.length).toBeGreaterThanOrEqual(3);
    await objects.put(indexes[0]!, Buffer.from('this is not a pack index'));
    await objects.delete(indexes[1]!);
    await objects.put(indexes[2]!, new Uint8Array(0)); // what a machine crash can leave of one written without fsync
    await rm(join(daemon.home, 'cache'), { recursive: true, force: true });

    daemon = await startDaemon({ home: daemon.home, storage: daemon.storage, env: daemon.storageEnv });
    client = new TuskClient(daemon.address);
    try {
      for (const [path, text] of Object.entries(files)) expect(await read(client, `docs@master:${path}`)).toBe(text);
      const rebuilt = daemon.logs().split('\n').filter((l) => l.includes('"pack_index_rebuilt"'));
      expect(rebuilt.map((l) => JSON.parse(l).pack + '.idx').sort()).toEqual([indexes[0], indexes[1], indexes[2]].sort());
      expect(await objects.exists(indexes[1]!)).toBe(true);
    } finally {
      client.close();
    }
  });
});
