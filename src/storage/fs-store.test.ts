// FsStore: the ObjectStore contract on a temp directory, plus what only a file
// system can get wrong: keys escaping the root, crash leftovers, on-disk layout.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsStore } from './fs-store.js';
import { objectStoreContract, pseudoRandom } from './object-store.contract.js';
import { getBytes } from './object-store.js';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'tusk-fs-store-'));
}

objectStoreContract('FsStore', async () => {
  const dir = await tempDir();
  return { store: await FsStore.open(join(dir, 'objects')), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

describe('FsStore on disk', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('never writes outside its root, whatever the key', async () => {
    const store = await FsStore.open(join(dir, 'root'));
    for (const key of ['../escape', 'a/../../escape', '/etc/escape', '..']) {
      await expect(store.put(key, Buffer.from('x'))).rejects.toMatchObject({ code: 'InvalidObjectKey' });
    }
    expect((await readdir(dir)).sort()).toEqual(['root']);
    await expect(store.put(`${'x'.repeat(300)}/y`, Buffer.from('x'))).rejects.toMatchObject({ code: 'InvalidObjectKey' });
  });

  it('leaves no object and no visible temp file when the source stream throws midway', async () => {
    const store = await FsStore.open(join(dir, 'root'));
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield pseudoRandom(1 << 20, 1);
      throw new Error('disk of the sender died');
    }
    await expect(store.put('packs/p1', failing())).rejects.toThrow('disk of the sender died');
    expect(await store.exists('packs/p1')).toBe(false);
    expect((await store.list('')).keys).toEqual([]);
    expect(await readdir(join(dir, 'root', '.tmp'))).toEqual([]); // cleaned up right away
  });

  it('writes an object piece by piece (openWriter): it appears only at commit, and an abort leaves nothing', async () => {
    const store = await FsStore.open(join(dir, 'root'));
    await store.put('packs/p', Buffer.from('old'));
    const piece = Buffer.alloc(300_000);
    const expected: Buffer[] = [];
    const writer = await store.openWriter('packs/p');
    for (let i = 0; i < 3; i++) {
      piece.set(pseudoRandom(piece.length, i)); // the same buffer each time: done with once write() resolves
      expected.push(Buffer.from(piece));
      await writer.write(piece);
      expect(Buffer.from(await getBytes(store, 'packs/p')).toString()).toBe('old');
    }
    await writer.commit();
    expect(Buffer.compare(Buffer.from(await getBytes(store, 'packs/p')), Buffer.concat(expected))).toBe(0);
    expect(await readdir(join(dir, 'root', '.tmp'))).toEqual([]);

    const dropped = await store.openWriter('packs/q', { derived: true });
    await dropped.write(piece);
    expect(await readdir(join(dir, 'root', '.tmp'))).toHaveLength(1);
    await dropped.abort();
    await dropped.abort();
    expect(await store.exists('packs/q')).toBe(false);
    expect(await readdir(join(dir, 'root', '.tmp'))).toEqual([]);
  });

  it('writes large writes (several pieces each, written at once) at their offsets: the object reads back byte for byte', async () => {
    const store = await FsStore.open(join(dir, 'root'));
    const writer = await store.openWriter('packs/big');
    const parts = [1_300_001, 524_288, 3, 2_097_152 + 17, 700_000].map((size, i) => pseudoRandom(size, 10 + i));
    for (const part of parts) await writer.write(part);
    await writer.commit();
    expect(Buffer.compare(Buffer.from(await getBytes(store, 'packs/big')), Buffer.concat(parts))).toBe(0);
  });

  it('ignores temp files left by a crash in listings and removes them on open', async () => {
    const root = join(dir, 'root');
    const store = await FsStore.open(root);
    await store.put('kept', Buffer.from('kept'));
    // A writer that died mid-put: its pid no longer exists.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const leftover = join(root, '.tmp', `${dead.stdout}.0123456789abcdef`);
    await writeFile(leftover, 'half an object');
    // A writer that is still running (this process): its temp file must survive.
    const live = join(root, '.tmp', `${process.pid}.fedcba9876543210`);
    await writeFile(live, 'in progress');
    expect((await store.list('')).keys).toEqual(['kept']);
    await FsStore.open(root);
    expect(await readdir(join(root, '.tmp'))).toEqual([`${process.pid}.fedcba9876543210`]);
    expect(Buffer.from(await getBytes(store, 'kept')).toString()).toBe('kept');
  });

  it('lays keys out as directories a person can browse', async () => {
    const root = join(dir, 'root');
    const store = await FsStore.open(root);
    await store.put('packs/ab/abcdef', Buffer.from('pack'));
    await store.put('packs', Buffer.from('an object beside the prefix'));
    expect((await readdir(root)).sort()).toEqual(['.tmp', 'packs', 'packs%']);
    expect(await readdir(join(root, 'packs%', 'ab%'))).toEqual(['abcdef']);
    expect(store.describe()).toBe(`file://${root}`);
  });

  it('puts into a directory removed underneath it (it remembers directories it made), and puts derived objects whole', async () => {
    const root = join(dir, 'root');
    const store = await FsStore.open(root);
    await store.put('packs/ab/one', Buffer.from('first'));
    await rm(join(root, 'packs%'), { recursive: true });
    await store.put('packs/ab/two', Buffer.from('second'));
    await store.put('packs/ab/two.idx', Buffer.from('derived'), { derived: true });
    expect(Buffer.from(await getBytes(store, 'packs/ab/two')).toString()).toBe('second');
    expect(Buffer.from(await getBytes(store, 'packs/ab/two.idx')).toString()).toBe('derived');
    expect(await store.exists('packs/ab/one')).toBe(false);
    expect(await readdir(join(root, '.tmp'))).toEqual([]);
  });

  it('reports an unusable root as a storage error, not a crash', async () => {
    await writeFile(join(dir, 'file'), 'x');
    const store = new FsStore(join(dir, 'file', 'root'));
    await expect(store.put('k', Buffer.from('x'))).rejects.toMatchObject({ code: 'StorageUnavailable' });
  });
});
