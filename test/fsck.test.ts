// End to end: `tusk fsck` reads back every tree node and chunk and names the
// files whose data is damaged or gone, by repo, commit and path; a damaged
// chunk read by `get file` fails with DataLoss naming the file. Runs on local
// disk and, in the `s3` project, on an s3rver bucket.
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TuskClient } from '../src/client/index.js';
import { listAll } from '../src/storage/object-store.js';
import { startDaemon, type DaemonHandle } from './helpers/daemon.js';
import { daemonObjects, flipByte, packHolding } from './helpers/damage.js';
import { tusk as run, tuskJson as runJson, expectError, type RunOptions } from './helpers/tusk-cli.js';

let daemon: DaemonHandle;
let client: TuskClient;
const tusk = (args: string[], opts: RunOptions = {}) => run(args, { env: daemon.env, timeoutMs: 60_000, ...opts });

beforeAll(async () => {
  daemon = await startDaemon();
  client = new TuskClient(daemon.address);
});

afterAll(async () => {
  client?.close();
  await daemon?.stop();
});

async function read(file: string): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const p of client.getFile(file)) parts.push(p);
  return Buffer.concat(parts);
}

describe('fsck', () => {
  it('finds a flipped byte in a pack and a deleted pack, naming the files affected; get file then fails with DataLoss naming the file', async () => {
    const flip = randomBytes(100_000);
    const gone = randomBytes(100_000);
    await client.createRepo('vault');
    // Each put writes its own pack; small files share chunks, so keep.txt must not share flip.bin's.
    await client.putFile('vault@master', '/keep.txt', Buffer.from('intact '.repeat(100)));
    const first = (await client.putFile('vault@master', '/flip.bin', flip)).commit!.id;
    const second = (await client.putFile('vault@master', '/gone.bin', gone)).commit!.id;

    const healthy = await runJson(['fsck'], { env: daemon.env });
    expect(healthy).toMatchObject({ commits: 3, problems: [] });
    expect(healthy.chunks).toBeGreaterThanOrEqual(3);
    expect((await tusk(['fsck', 'vault'])).stdout).toMatch(/^checked 3 commits: \d+ tree nodes, \d+ chunks \(.+\): no damage found\n$/);

    const objects = daemonObjects(daemon);
    const flipped = await packHolding(objects, flip.subarray(50_000, 50_064));
    await flipByte(objects, flipped.key, flipped.offset + 10);
    const deleted = await packHolding(objects, gone.subarray(50_000, 50_064));
    expect(deleted.key).not.toBe(flipped.key);
    await objects.delete(deleted.key);

    const res = await tusk(['fsck', 'vault', '-o', 'json']);
    expect(res.code, res.stderr).toBe(1);
    const report = JSON.parse(res.stdout);
    expect(res.stderr).toMatch(/^tusk: fsck found 3 problems affecting 3 files\n$/);
    const seen = report.problems.map((p: any) => [p.commit, p.path, p.problem, p.object]).sort();
    expect(seen).toEqual(
      [
        [first, '/flip.bin', 'corrupt', flipped.key],
        [second, '/flip.bin', 'corrupt', flipped.key],
        [second, '/gone.bin', 'missing', deleted.key],
      ].sort(),
    );
    expect(report.problems.every((p: any) => p.repo === 'vault' && p.reason)).toBe(true);
    const table = await tusk(['fsck', `vault@${first}`]);
    expect(table.code).toBe(1);
    expect(table.stdout).toMatch(new RegExp(`vault@${first}\\s+/flip\\.bin\\s+corrupt\\s+${flipped.key}`));
    expect(table.stdout).not.toMatch(/keep\.txt|gone\.bin/);

    expect((await read('vault@master:/keep.txt')).toString()).toBe('intact '.repeat(100));
    await expect(read('vault@master:/flip.bin')).rejects.toMatchObject({ code: 'DataLoss', kind: 'data_loss', file: `vault@${second}:/flip.bin`, object: flipped.key });
    await expect(read('vault@master:/gone.bin')).rejects.toMatchObject({ code: 'DataLoss', file: `vault@${second}:/gone.bin` });
    expectError(await tusk(['get', 'file', 'vault@master:/flip.bin']), new RegExp(`file vault@${second}:/flip\\.bin cannot be read: its data is lost or damaged`));
    // The same through the daemon writing the output itself (its chunks verified on the hash thread): no file left behind.
    const out = join(daemon.home, 'flip-out.bin');
    expectError(await tusk(['get', 'file', 'vault@master:/flip.bin', '-o', out]), new RegExp(`file vault@${second}:/flip\\.bin cannot be read: its data is lost or damaged`));
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(daemon.home).filter((f) => f.startsWith('flip-out'))).toEqual([]);
  });

  it('a pack lost from the store: once tusk gc has run, putting the same file again stores its data anew and heals the older commit', async () => {
    const bytes = randomBytes(100_000);
    await client.createRepo('lost');
    const first = (await client.putFile('lost@master', '/data.bin', bytes)).commit!.id;
    const objects = daemonObjects(daemon);
    const pack = await packHolding(objects, bytes.subarray(50_000, 50_064));
    await objects.delete(pack.key); // its index object stays: the pack alone is gone
    expect((await tusk(['fsck', 'lost'])).code).toBe(1);

    // The collector forgets the lost pack (and removes its index object), so writers no longer dedup against it.
    const keys = async () => {
      const out: string[] = [];
      for await (const key of listAll(objects, 'packs/')) out.push(key);
      return out;
    };
    const before = await keys();
    const gc = await runJson(['gc'], { env: daemon.env });
    expect(await objects.size(`${pack.key}.idx`)).toBeUndefined();
    const after = new Set(await keys());
    expect(gc.objectsRemoved).toBe(before.filter((k) => !after.has(k)).length);
    expect(daemon.logs()).toMatch(/"event":"gc_pack_lost".*"pack":"packs\//);
    await client.putFile('lost@master', '/data.bin', bytes);
    const healed = await tusk(['fsck', 'lost']);
    expect(healed.stdout + healed.stderr).toMatch(/no damage found/);
    expect(healed.code).toBe(0);
    expect((await read(`lost@${first}:/data.bin`)).equals(bytes)).toBe(true);
  });
});
