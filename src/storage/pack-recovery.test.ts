// Pack indexes are derived data (issue 18 point 5), on local disk and on S3
// (s3rver): a damaged or missing index object is rebuilt from its pack's
// trailer when the content store opens, and logged; a pack that is damaged
// too never stops the store from opening: everything else is served, the pack
// is reported, and reading what was in it fails naming it.
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3rver, type S3rverHandle } from '../../test/helpers/s3rver.js';
import { ContentStore } from './content-store.js';
import type { FileContent } from './content.js';
import { FsStore } from './fs-store.js';
import { getBytes, listAll, type ObjectStore } from './object-store.js';
import { packIndexKey, packKey } from './pack-format.js';
import { recoverPackIndex } from './pack-recovery.js';
import { S3Store } from './s3-store.js';

const text = (n: number, size: number) => Buffer.from(createHash('sha256').update(String(n)).digest('hex').repeat(Math.ceil(size / 64)).slice(0, size));

interface Stored {
  files: FileContent[];
  blobs: string[];
  packs: string[];
}

/** Writes `groups` packs, each with two files and two blobs (one flush per group), and returns what it wrote. */
async function fill(objects: ObjectStore, groups: number): Promise<Stored> {
  const store = await ContentStore.open(objects, { hashThread: false });
  const stored: Stored = { files: [], blobs: [], packs: [] };
  for (let g = 0; g < groups; g++) {
    const session = store.writer();
    const files = [session.writeFile(text(g * 2, 3000)), session.writeFile(text(g * 2 + 1, 5000))];
    await session.close();
    stored.files.push(...(await Promise.all(files)));
    for (const b of [`node-${g}-a`, `node-${g}-b`]) {
      await store.blobs.put(b, Buffer.from(`blob ${b}`));
      stored.blobs.push(b);
    }
    await store.blobs.flush();
  }
  await store.close();
  for await (const key of listAll(objects, 'packs/')) if (!key.endsWith('.idx')) stored.packs.push(key.slice('packs/'.length));
  return stored;
}

async function readAll(store: ContentStore, content: FileContent): Promise<string> {
  return Buffer.from(await store.readBytes(content)).toString();
}

function recoveryContract(name: string, open: () => Promise<ObjectStore>) {
  describe(`pack index recovery on ${name}`, () => {
    it('rebuilds a damaged and a missing index from their packs, logs it, and serves everything', async () => {
      const objects = await open();
      const stored = await fill(objects, 3);
      expect(stored.packs.length).toBeGreaterThanOrEqual(3);
      const [damaged, missing] = stored.packs;
      const original = await getBytes(objects, packIndexKey(damaged!));
      await objects.put(packIndexKey(damaged!), Buffer.from('not an index at all'));
      await objects.delete(packIndexKey(missing!));
      const events: [string, Record<string, unknown>][] = [];
      const store = await ContentStore.open(objects, { hashThread: false, log: (_level, event, fields) => events.push([event, fields]) });
      expect(events.filter(([e]) => e === 'pack_index_rebuilt').map(([, f]) => f.pack).sort()).toEqual([packKey(damaged!), packKey(missing!)].sort());
      expect(store.unreadable).toEqual([]);
      expect(Buffer.from(await getBytes(objects, packIndexKey(damaged!)))).toEqual(Buffer.from(original));
      expect(await objects.exists(packIndexKey(missing!))).toBe(true);
      for (const [i, f] of stored.files.entries()) expect(await readAll(store, f)).toBe(text(i, i % 2 ? 5000 : 3000).toString());
      for (const b of stored.blobs) expect(Buffer.from(await store.blobs.get(b)).toString()).toBe(`blob ${b}`);
      await store.close();
    });

    it('opens despite a pack damaged beyond repair, serves the rest, and names the pack when its data is read', async () => {
      const objects = await open();
      const stored = await fill(objects, 2);
      // The blob pack of the first group: its index and its trailer both gone.
      const blobPack = await packOfBlob(objects, stored.packs, stored.blobs[0]!);
      const bytes = Buffer.from(await getBytes(objects, packKey(blobPack)));
      await objects.put(packKey(blobPack), bytes.subarray(0, bytes.length - 20));
      await objects.put(packIndexKey(blobPack), Buffer.from('garbage'));
      const events: [string, Record<string, unknown>][] = [];
      const store = await ContentStore.open(objects, { hashThread: false, log: (_level, event, fields) => events.push([event, fields]) });
      expect(events.find(([e]) => e === 'pack_unreadable')?.[1]).toMatchObject({ pack: packKey(blobPack) });
      expect(store.unreadable.map((u) => u.pack)).toEqual([packKey(blobPack)]);
      for (const [i, f] of stored.files.entries()) expect(await readAll(store, f)).toBe(text(i, i % 2 ? 5000 : 3000).toString());
      expect(Buffer.from(await store.blobs.get(stored.blobs[2]!)).toString()).toBe(`blob ${stored.blobs[2]}`);
      await expect(store.blobs.get(stored.blobs[0]!)).rejects.toMatchObject({ code: 'CorruptObject', message: expect.stringContaining(packKey(blobPack)) });
      await store.close();
    });
  });
}

/** The pack whose index lists blob `id`. */
async function packOfBlob(objects: ObjectStore, packs: string[], id: string): Promise<string> {
  for (const p of packs) {
    const r = await recoverPackIndex(objects, p);
    if (r.entries.some((e) => e.kind === 'blob' && e.key === id)) return p;
  }
  throw new Error(`no pack holds blob ${id}`);
}

const dirs: string[] = [];
let s3: S3rverHandle;
beforeAll(async () => {
  s3 = await startS3rver();
});
afterAll(async () => {
  await s3?.stop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

recoveryContract('local disk', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tusk-packs-'));
  dirs.push(dir);
  return FsStore.open(dir);
});
recoveryContract('S3 (s3rver)', async () => new S3Store({ client: s3.client, bucket: await s3.createBucket(), prefix: 'tusk' }));

describe('recovering one pack', () => {
  it('finds every damaged entry of a pack whose trailer is intact, and keeps the others', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tusk-packs-'));
    dirs.push(dir);
    const objects = await FsStore.open(dir);
    const stored = await fill(objects, 1);
    const filePack = stored.files[0]!.refs![0]!.chunk.pack;
    const intact = await recoverPackIndex(objects, filePack);
    expect(intact.ok).toBe(true);
    const bytes = Buffer.from(await getBytes(objects, packKey(filePack)));
    bytes[10] ^= 0xff; // inside the first entry
    await objects.put(packKey(filePack), bytes);
    const r = await recoverPackIndex(objects, filePack);
    expect(r).toMatchObject({ ok: false, reason: `1 of its ${intact.entries.length} entries are damaged (sha256 mismatch or cut short)` });
    expect(r.entries).toEqual(intact.entries.filter((e) => e.ref.offset !== 0));
  });
});
