// Damaging a test daemon's object store on purpose (fsck and DataLoss tests):
// find the pack that holds some known bytes, flip a byte in it, or delete it.
// Works on the daemon's local object store and, in the `s3` project, on its
// s3rver bucket.
import { join } from 'node:path';
import { getBytes, listAll, type ObjectStore } from '../../src/storage/object-store.js';
import { openObjectStore } from '../../src/storage/store-url.js';
import type { DaemonHandle } from './daemon.js';

/** The daemon's own object store, opened beside it. */
export function daemonObjects(daemon: DaemonHandle): ObjectStore {
  return openObjectStore(daemon.storage ?? `file://${join(daemon.home, 'objects')}`, { ...process.env, ...daemon.storageEnv });
}

/** The pack (`packs/<id>`) whose bytes contain `needle`, and where. */
export async function packHolding(objects: ObjectStore, needle: Uint8Array): Promise<{ key: string; offset: number }> {
  for await (const key of listAll(objects, 'packs/')) {
    if (key.endsWith('.idx')) continue;
    const offset = Buffer.from(await getBytes(objects, key)).indexOf(needle);
    if (offset >= 0) return { key, offset };
  }
  throw new Error('no pack holds those bytes');
}

/** Rewrites `key` with the byte at `offset` inverted. */
export async function flipByte(objects: ObjectStore, key: string, offset: number): Promise<void> {
  const bytes = Buffer.from(await getBytes(objects, key));
  bytes[offset] = bytes[offset]! ^ 0xff;
  await objects.put(key, bytes);
}
