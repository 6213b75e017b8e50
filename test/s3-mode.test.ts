// PFS end to end with content on S3: tuskd on TUSK_STORAGE=s3://bucket/prefix
// against s3rver (credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY),
// driven by the real `tusk` binary: put, get, list, diff, branches; the
// content lands in the bucket, not in the home, and reads still work after a
// restart with the local read cache gone.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonHandle } from './helpers/daemon.js';
import { startS3rver, type S3rverHandle } from './helpers/s3rver.js';
import { tusk as run, tuskJson as runJson } from './helpers/tusk-cli.js';

let s3: S3rverHandle;
let bucket: string;
let storage: string;
let daemon: DaemonHandle;
let work: string;
let home: string;

const tusk = (args: string[]) => run(args, { env: daemon.env, timeoutMs: 60_000 });
const tuskJson = <T = any>(args: string[]) => runJson<T>(args, { env: daemon.env, timeoutMs: 60_000 });

beforeAll(async () => {
  s3 = await startS3rver();
  bucket = await s3.createBucket();
  storage = `s3://${bucket}/tusk/data?endpoint=${encodeURIComponent(s3.endpoint)}&region=${s3.region}`;
  work = await mkdtemp(join(tmpdir(), 'tusk-s3-mode-'));
  home = join(work, 'home');
  daemon = await startDaemon({ home, storage, env: s3.env });
});

afterAll(async () => {
  await daemon?.stop();
  await s3?.stop();
  await rm(work, { recursive: true, force: true });
});

async function bucketKeys(): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const o of page.Contents ?? []) keys.push(o.Key!);
    token = page.NextContinuationToken;
  } while (token);
  return keys;
}

describe('tuskd with content on S3', () => {
  const big = randomBytes(3 * 1024 * 1024 + 123);
  const files: Record<string, Buffer> = {
    'a.txt': Buffer.from('alpha\n'),
    'sub/b.txt': Buffer.from('bravo\n'),
    'sub/c.bin': randomBytes(20_000),
    'big.bin': big,
  };

  it('puts, gets, lists, diffs and branches, with every object in the bucket under the prefix', async () => {
    const dir = join(work, 'data');
    for (const [rel, data] of Object.entries(files)) {
      await mkdir(join(dir, rel, '..'), { recursive: true });
      await writeFile(join(dir, rel), data);
    }
    await tuskJson(['create', 'repo', 'photos']);
    const first = await tuskJson(['put', 'file', 'photos@master', '-f', dir, '-r']);
    expect(first).toMatchObject({ repo: 'photos', branch: 'master', filesWritten: 4, bytesWritten: Object.values(files).reduce((n, b) => n + b.length, 0) });
    expect(first.finished).not.toBeNull();

    for (const [rel, data] of Object.entries(files)) {
      const got = await tusk(['get', 'file', `photos@master:/${rel}`]);
      expect(got.code).toBe(0);
      expect(got.raw.equals(data)).toBe(true);
    }
    expect((await tuskJson(['list', 'file', 'photos@master'])).map((f: any) => [f.path, f.type, f.sizeBytes])).toEqual([
      ['/a.txt', 'file', 6],
      ['/big.bin', 'file', big.length],
      ['/sub', 'dir', 6 + 20_000],
    ]);

    await writeFile(join(work, 'new.txt'), 'charlie\n');
    await tuskJson(['put', 'file', 'photos@master:/sub/b.txt', '-f', join(work, 'new.txt')]);
    await tuskJson(['put', 'file', 'photos@master:/d.txt', '-f', join(work, 'new.txt')]);
    expect(await tusk(['delete', 'file', 'photos@master:/a.txt'])).toMatchObject({ code: 0 });
    const diff = await tuskJson(['diff', 'file', 'photos@master', `photos@${first.id}`]);
    expect(diff).toEqual([
      { path: '/a.txt', change: 'deleted', sizeBytes: 0 },
      { path: '/d.txt', change: 'added', sizeBytes: 8 },
      { path: '/sub/b.txt', change: 'modified', sizeBytes: 8 },
    ].map((d) => expect.objectContaining(d)));

    const dev = await tuskJson(['create', 'branch', 'photos@dev', '--head', `photos@${first.id}`]);
    expect(dev).toMatchObject({ name: 'dev', repo: 'photos', head: first.id });
    expect((await tuskJson(['list', 'branch', 'photos'])).map((b: any) => b.name).sort()).toEqual(['dev', 'master']);
    expect((await tusk(['get', 'file', 'photos@dev:/a.txt'])).raw.toString()).toBe('alpha\n');
    const missing = await tusk(['get', 'file', 'photos@master:/a.txt']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^tusk: file "\/a\.txt" not found in photos@[0-9a-f]{32}\n$/);

    const keys = await bucketKeys();
    expect(keys.length).toBeGreaterThanOrEqual(2); // at least a pack and its index
    expect(keys.every((k) => k.startsWith('tusk/data/'))).toBe(true);
    // Nothing of the content is kept only in the home: no local object store.
    const objects = join(home, 'objects');
    expect(existsSync(objects) ? await readdir(objects) : []).toEqual([]);
  });

  it('reads everything back from the bucket after a restart with the local cache removed', async () => {
    await daemon.stop({ keepHome: true });
    await rm(join(home, 'cache'), { recursive: true, force: true });
    daemon = await startDaemon({ home, storage, env: s3.env });
    expect((await tusk(['get', 'file', 'photos@dev:/big.bin'])).raw.equals(big)).toBe(true);
    expect((await tusk(['get', 'file', 'photos@master:/sub/c.bin'])).raw.equals(files['sub/c.bin']!)).toBe(true);
    expect((await tuskJson(['diff', 'file', 'photos@master', 'photos@dev'])).map((d: any) => [d.path, d.change])).toEqual([
      ['/a.txt', 'deleted'],
      ['/d.txt', 'added'],
      ['/sub/b.txt', 'modified'],
    ]);
    const version = await tuskJson(['version']);
    expect(JSON.stringify(version)).toContain(bucket);
  });
});
