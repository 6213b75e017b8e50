// End to end: `tusk get file -r` fetches a folder over one GetFiles call (its
// large files with a call each, written by the daemon itself), with or without
// the local fast path, and a damaged file mid-way fails the command leaving no
// file with part of its bytes, under its name or any other.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TuskClient } from '../src/client/index.js';
import { startDaemon, type DaemonHandle } from './helpers/daemon.js';
import { daemonObjects, flipByte, packHolding } from './helpers/damage.js';
import { tusk as run, expectError, type RunOptions } from './helpers/tusk-cli.js';

let daemon: DaemonHandle;
let client: TuskClient;
let work: string;
const tusk = (args: string[], opts: RunOptions = {}) => run(args, { env: daemon.env, timeoutMs: 60_000, ...opts });

beforeAll(async () => {
  daemon = await startDaemon();
  client = new TuskClient(daemon.address);
  work = await mkdtemp(join(tmpdir(), 'tusk-get-folder-'));
});

afterAll(async () => {
  client?.close();
  await daemon?.stop();
  await rm(work, { recursive: true, force: true });
});

/** Every file under `dir`, relative, sorted. */
async function listed(dir: string): Promise<string[]> {
  return ((await readdir(dir, { recursive: true, withFileTypes: true })) as { name: string; parentPath: string; isFile(): boolean }[])
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

describe('get file -r over one call', () => {
  it('fetches many small files in nested folders, an empty one and a large one, each whole in its place', async () => {
    const src = join(work, 'src');
    const files = new Map<string, Buffer>();
    for (let i = 0; i < 60; i++) files.set(`${['', 'a/', 'a/b/', 'c/d/e/'][i % 4]}f${i}.txt`, Buffer.from(`file ${i} `.repeat(1 + (i % 7) * 40)));
    files.set('empty.txt', Buffer.alloc(0));
    files.set('a/large.bin', randomBytes(5 * 1024 * 1024 + 123)); // above the inline limit: its own call, written by the daemon
    for (const [name, bytes] of files) {
      await mkdir(join(src, name, '..'), { recursive: true });
      await writeFile(join(src, name), bytes);
    }
    await client.createRepo('tree');
    expect((await tusk(['put', 'file', 'tree@master:/top', '-r', '-f', src])).code).toBe(0);

    for (const [out, env] of [
      [join(work, 'local'), {}],
      [join(work, 'streamed'), { TUSK_LOCAL_TRANSFER: 'false' }], // every file over the one call, the large one too
    ] as const) {
      const res = await tusk(['get', 'file', 'tree@master:/top', '-r', '-o', out], { env: { ...daemon.env, ...env } });
      expect(res.code, res.stderr).toBe(0);
      expect(await listed(out)).toEqual([...files.keys()].sort());
      for (const [name, bytes] of files) expect((await readFile(join(out, name))).equals(bytes), name).toBe(true);
    }
    // A subfolder alone, and the whole repo from its root.
    expect((await tusk(['get', 'file', 'tree@master:/top/a/b', '-r', '-o', join(work, 'sub')])).code).toBe(0);
    expect(await listed(join(work, 'sub'))).toEqual([...files.keys()].filter((n) => n.startsWith('a/b/')).map((n) => n.slice(4)).sort());
    expect((await tusk(['get', 'file', 'tree@master:/', '-r', '-o', join(work, 'root')])).code).toBe(0);
    expect(await listed(join(work, 'root'))).toEqual([...files.keys()].map((n) => `top/${n}`).sort());
  });

  it('stops at a damaged file with DataLoss naming it: the files before it whole, none with part of its bytes', async () => {
    await client.createRepo('dmg');
    const before = Buffer.from('intact '.repeat(50));
    const damaged = randomBytes(100_000);
    await client.putFile('dmg@master', '/d/1-before.txt', before);
    await client.putFile('dmg@master', '/d/2-damaged.bin', damaged); // a pack of its own
    await client.putFile('dmg@master', '/d/3-after.txt', Buffer.from('after'));
    const objects = daemonObjects(daemon);
    const pack = await packHolding(objects, damaged.subarray(60_000, 60_064));
    await flipByte(objects, pack.key, pack.offset + 10);

    const out = join(work, 'dmg');
    const res = await tusk(['get', 'file', 'dmg@master:/d', '-r', '-o', out]);
    expectError(res, /file dmg@\w+:\/d\/2-damaged\.bin cannot be read: its data is lost or damaged/);
    expect(await listed(out)).toEqual(['1-before.txt']);
    expect((await readFile(join(out, '1-before.txt'))).equals(before)).toBe(true);
  });
});

describe('get file of a folder without -r', () => {
  it('fails on one line saying how to get a folder, whether to standard output, to a file, or over gRPC only', async () => {
    await client.createRepo('plain');
    const w = await client.modifyFile('plain@master');
    await w.putFile('/dir/a.txt', Buffer.from('a'));
    await w.close();
    const out = join(work, 'not-written');
    for (const [args, env] of [
      [['get', 'file', 'plain@master:/dir'], {}],
      [['get', 'file', 'plain@master:/dir', '-o', out], {}],
      [['get', 'file', 'plain@master:/dir', '-o', out], { TUSK_LOCAL_TRANSFER: 'false' }],
    ] as const) {
      const res = await tusk([...args], { env: { ...daemon.env, ...env } });
      expectError(res, /^tusk: \/dir: is a directory, not a file: get a folder with -r, e.g. tusk get file plain@master:\/dir -r -o \S+\n$/);
    }
    expect(await readdir(work)).not.toContain('not-written');
  });
});
