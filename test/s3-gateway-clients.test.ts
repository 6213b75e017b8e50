// The S3 gateway driven by real S3 clients from Debian's packages against a
// real tuskd: the aws CLI (s3 cp / ls / sync / rm and the s3api multipart
// calls), rclone and s3cmd. Each runs with a throwaway HOME so no user
// configuration leaks in. Skipped, saying so, where a client is not installed.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DaemonHandle } from './helpers/daemon.js';
import { bytes, closeClients, commitCount, endpointOf, KEY_ID, SECRET, startGatewayDaemon } from './helpers/s3-gateway.js';

const AWS = '/usr/bin/aws'; // Debian's aws CLI v2; a pyenv shim may shadow it on PATH
const have = (bin: string) => existsSync(bin) || (process.env.PATH ?? '').split(':').some((dir) => existsSync(join(dir, bin)));
const haveAws = existsSync(AWS);
const haveRclone = have('rclone');
const haveS3cmd = have('s3cmd');
for (const [name, ok] of [['aws CLI (/usr/bin/aws, Debian package awscli)', haveAws], ['rclone', haveRclone], ['s3cmd', haveS3cmd]] as const) {
  if (!ok) console.warn(`s3-gateway-clients: ${name} is not installed; its tests are skipped`);
}

let d: DaemonHandle;
let work: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  d = await startGatewayDaemon();
  work = await mkdtemp(join(tmpdir(), 'tusk-s3-clients-'));
  await mkdir(join(work, 'home'));
  env = {
    PATH: process.env.PATH,
    HOME: join(work, 'home'),
    LANG: 'C.UTF-8',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ACCESS_KEY_ID: KEY_ID,
    AWS_SECRET_ACCESS_KEY: SECRET,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_PAGER: '',
  };
});

afterAll(async () => {
  closeClients();
  await d?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

function run(cmd: string, args: string[], timeoutMs = 60_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, cwd: work, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

async function ok(cmd: string, args: string[], timeoutMs?: number): Promise<string> {
  const r = await run(cmd, args, timeoutMs);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}):\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

const aws = (...args: string[]) => ok(AWS, ['--endpoint-url', endpointOf(d), '--no-cli-pager', ...args], 120_000);

/** path → sha256 of every file under dir. */
async function treeHashes(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name);
    out[relative(dir, full)] = createHash('sha256').update(await readFile(full)).digest('hex');
  }
  return out;
}

describe.skipIf(!haveAws)('aws CLI', () => {
  it('s3 cp of a 12 MiB file goes up as one multipart commit and comes back identical; s3 ls shows it', async () => {
    await aws('s3', 'mb', 's3://master.awscp');
    const data = bytes(12 * 1024 * 1024, 5);
    await writeFile(join(work, 'big.bin'), data);
    const before = await commitCount(d, 'awscp');
    await aws('s3', 'cp', '--only-show-errors', join(work, 'big.bin'), 's3://master.awscp/data/big.bin');
    expect(await commitCount(d, 'awscp')).toBe(before + 1);
    expect(d.logs()).toContain('"op":"CompleteMultipartUpload"');
    await aws('s3', 'cp', '--only-show-errors', 's3://master.awscp/data/big.bin', join(work, 'big.back'));
    expect((await readFile(join(work, 'big.back'))).equals(data)).toBe(true);
    // Each aws call starts a Python interpreter (~1-2 s here): independent ones run side by side.
    const [top, inData, buckets] = await Promise.all([aws('s3', 'ls', 's3://master.awscp/'), aws('s3', 'ls', 's3://master.awscp/data/'), aws('s3', 'ls')]);
    expect(top).toMatch(/PRE data\//);
    expect(inData).toMatch(/12582912 big\.bin/);
    expect(buckets).toMatch(/master\.awscp/);
  });

  it('s3 sync of a 1,000-file folder into master.myrepo and back gives an identical tree; s3 rm removes', async () => {
    const src = join(work, 'sync-src');
    for (let i = 0; i < 1000; i++) {
      const dir = join(src, `d${i % 10}`, `e${i % 7}`);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, `f${i}.txt`), bytes(100 + ((i * 37) % 3000), i + 1));
    }
    await aws('s3', 'mb', 's3://master.myrepo');
    await aws('s3', 'sync', '--only-show-errors', src, 's3://master.myrepo/tree');
    const back = join(work, 'sync-back');
    await aws('s3', 'sync', '--only-show-errors', 's3://master.myrepo/tree', back);
    const [a, b] = [await treeHashes(src), await treeHashes(back)];
    expect(Object.keys(b).length).toBe(1000);
    expect(b).toEqual(a);
    // A second sync finds nothing to do.
    const commits = await commitCount(d, 'myrepo');
    await aws('s3', 'sync', '--only-show-errors', src, 's3://master.myrepo/tree');
    expect(await commitCount(d, 'myrepo')).toBe(commits);
    await aws('s3', 'rm', '--only-show-errors', 's3://master.myrepo/tree/d0/e0/f0.txt');
    await aws('s3', 'rm', '--only-show-errors', '--recursive', 's3://master.myrepo/tree/d1/');
    const left = await aws('s3', 'ls', '--recursive', 's3://master.myrepo/tree/');
    expect(left).not.toMatch(/d0\/e0\/f0\.txt|tree\/d1\//);
    expect(left.trim().split('\n').length).toBe(899);
  }, 240_000); // 1,000 puts, each a commit: ~10 s on an idle 2-core machine, far more when it is shared

  it('s3api multipart calls: create, upload-part, list-parts, complete; abort', async () => {
    await aws('s3', 'mb', 's3://master.s3api');
    const p1 = bytes(5 * 1024 * 1024, 31);
    const p2 = bytes(1000, 32);
    await writeFile(join(work, 'p1'), p1);
    await writeFile(join(work, 'p2'), p2);
    const [created, other] = (await Promise.all(['mp.bin', 'aborted.bin'].map((key) => aws('s3api', 'create-multipart-upload', '--bucket', 'master.s3api', '--key', key)))).map((out) => JSON.parse(out) as { UploadId: string }) as [{ UploadId: string }, { UploadId: string }];
    const etags = await Promise.all(
      ['p1', 'p2'].map(async (file, i) => (JSON.parse(await aws('s3api', 'upload-part', '--bucket', 'master.s3api', '--key', 'mp.bin', '--upload-id', created.UploadId, '--part-number', String(i + 1), '--body', join(work, file))) as { ETag: string }).ETag),
    );
    const parts = JSON.parse(await aws('s3api', 'list-parts', '--bucket', 'master.s3api', '--key', 'mp.bin', '--upload-id', created.UploadId)) as { Parts: { PartNumber: number; ETag: string; Size: number }[] };
    expect(parts.Parts.map((p) => [p.PartNumber, p.Size, p.ETag])).toEqual([[1, p1.length, etags[0]], [2, p2.length, etags[1]]]);
    await writeFile(join(work, 'parts.json'), JSON.stringify({ Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) }));
    await aws('s3api', 'complete-multipart-upload', '--bucket', 'master.s3api', '--key', 'mp.bin', '--upload-id', created.UploadId, '--multipart-upload', `file://${join(work, 'parts.json')}`);
    await aws('s3api', 'get-object', '--bucket', 'master.s3api', '--key', 'mp.bin', join(work, 'mp.back'));
    expect((await readFile(join(work, 'mp.back'))).equals(Buffer.concat([p1, p2]))).toBe(true);

    await aws('s3api', 'upload-part', '--bucket', 'master.s3api', '--key', 'aborted.bin', '--upload-id', other.UploadId, '--part-number', '1', '--body', join(work, 'p2'));
    const listed = JSON.parse(await aws('s3api', 'list-multipart-uploads', '--bucket', 'master.s3api')) as { Uploads: { UploadId: string }[] };
    expect(listed.Uploads.map((u) => u.UploadId)).toEqual([other.UploadId]);
    await aws('s3api', 'abort-multipart-upload', '--bucket', 'master.s3api', '--key', 'aborted.bin', '--upload-id', other.UploadId);
    const failed = await run(AWS, ['--endpoint-url', endpointOf(d), 's3api', 'list-parts', '--bucket', 'master.s3api', '--key', 'aborted.bin', '--upload-id', other.UploadId]);
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toContain('NoSuchUpload');
  });
});

describe.skipIf(!haveRclone)('rclone', () => {
  it('copy up, ls, copy down: identical files', async () => {
    const conf = join(work, 'rclone.conf');
    await writeFile(conf, ['[tusk]', 'type = s3', 'provider = Other', `access_key_id = ${KEY_ID}`, `secret_access_key = ${SECRET}`, `endpoint = ${endpointOf(d)}`, 'force_path_style = true', 'region = us-east-1', ''].join('\n'));
    const src = join(work, 'rclone-src');
    await mkdir(join(src, 'sub'), { recursive: true });
    await writeFile(join(src, 'a.bin'), bytes(200_000, 41));
    await writeFile(join(src, 'sub', 'b.txt'), 'rclone was here\n');
    await writeFile(join(src, 'sub', 'empty'), '');
    const rc = (...args: string[]) => ok('env', ['-u', 'AWS_CA_BUNDLE', 'rclone', '--config', conf, ...args]);
    await rc('mkdir', 'tusk:master.rclone');
    await rc('copy', src, 'tusk:master.rclone/in');
    const listing = await rc('ls', 'tusk:master.rclone/in');
    expect(listing).toMatch(/200000 a\.bin/);
    expect(listing).toMatch(/16 sub\/b\.txt/);
    await rc('copy', 'tusk:master.rclone/in', join(work, 'rclone-back'));
    expect(await treeHashes(join(work, 'rclone-back'))).toEqual(await treeHashes(src));
  });
});

describe.skipIf(!haveS3cmd)('s3cmd', () => {
  it('put, ls, get', async () => {
    await aws('s3', 'mb', 's3://master.s3cmd').catch(async () => {
      // without the aws CLI: create the bucket with s3cmd itself
    });
    const host = `127.0.0.1:${d.s3Port}`;
    const s3cmd = (...args: string[]) => ok('s3cmd', ['-c', '/dev/null', `--access_key=${KEY_ID}`, `--secret_key=${SECRET}`, `--host=${host}`, `--host-bucket=${host}`, '--no-ssl', '--region=us-east-1', ...args]);
    if (!haveAws) await s3cmd('mb', 's3://master.s3cmd');
    await writeFile(join(work, 's3cmd.txt'), 'from s3cmd\n');
    const put = await run('s3cmd', ['-c', '/dev/null', `--access_key=${KEY_ID}`, `--secret_key=${SECRET}`, `--host=${host}`, `--host-bucket=${host}`, '--no-ssl', '--region=us-east-1', 'put', join(work, 's3cmd.txt'), 's3://master.s3cmd/docs/s3cmd.txt']);
    expect(put.code).toBe(0);
    expect(put.stderr).not.toMatch(/WARNING|ERROR/);
    expect(await s3cmd('ls', 's3://master.s3cmd/docs/')).toMatch(/11\s+s3:\/\/master\.s3cmd\/docs\/s3cmd\.txt/);
    await s3cmd('get', '--force', 's3://master.s3cmd/docs/s3cmd.txt', join(work, 's3cmd.back'));
    expect(await readFile(join(work, 's3cmd.back'), 'utf8')).toBe('from s3cmd\n');
  });
});
