// `tusk put file REPO@BRANCH[:/PATH] -f s3://bucket/key [-r]` end to end: the
// real `tusk` binary and tuskd, objects read from an s3rver the test starts
// (through a fault-injecting proxy for the failure cases). One object, a
// prefix with nested keys, an object larger than 20 MiB read back
// bit-identical, the progress bar on a terminal, and errors that name the URL
// and commit nothing.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonHandle } from './helpers/daemon.js';
import { ACCESS_DENIED, S3FaultInjector } from './helpers/s3-fault-injector.js';
import { startS3rver, type S3rverHandle } from './helpers/s3rver.js';
import { TUSK, tusk as run, tuskJson as runJson, type RunOptions } from './helpers/tusk-cli.js';

let s3: S3rverHandle;
let injector: S3FaultInjector;
let daemon: DaemonHandle;
let bucket: string;
/** The daemon's address plus s3rver's credentials and endpoint, as a user would export them. */
let env: NodeJS.ProcessEnv;

const tusk = (args: string[], opts: RunOptions = {}) => run(args, { env, timeoutMs: 60_000, ...opts });
const tuskJson = <T = any>(args: string[], opts: RunOptions = {}) => runJson<T>(args, { env, timeoutMs: 60_000, ...opts });
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

const objects: Record<string, Buffer> = {
  'photos/a.txt': Buffer.from('alpha\n'),
  'photos/2024/jan/b.bin': randomBytes(70_000),
  'photos/2024/c.txt': Buffer.from('charlie\n'),
  'photos/empty.txt': Buffer.alloc(0),
  'photos/dir-marker/': Buffer.alloc(0), // a console's "folder": not a file
  'photos-old/not-me.txt': Buffer.from('outside the prefix\n'),
  'single/report.csv': Buffer.from('id,name\n1,ada\n'),
};
const big = randomBytes(21 * 1024 * 1024 + 12_345);

async function putObject(key: string, body: Buffer): Promise<void> {
  await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: body.length }));
}

beforeAll(async () => {
  s3 = await startS3rver();
  injector = await S3FaultInjector.start(s3.endpoint);
  bucket = await s3.createBucket();
  for (const [key, body] of Object.entries(objects)) await putObject(key, body);
  await putObject('big/large.bin', big);
  daemon = await startDaemon();
  env = { ...daemon.env, ...s3.env, AWS_ENDPOINT_URL: s3.endpoint };
  delete env.AWS_ENDPOINT_URL_S3;
  await tuskJson(['create', 'repo', 'ingest']);
});

afterAll(async () => {
  await daemon?.stop();
  await injector?.close();
  await s3?.stop();
});

async function files(ref: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of await tuskJson<any[]>(['glob', 'file', `${ref}:/**`])) {
    if (f.type !== 'file') continue;
    const got = await tusk(['get', 'file', `${ref}:${f.path}`]);
    out[f.path] = got.raw.toString('utf8');
  }
  return out;
}

async function commitCount(repo: string): Promise<number> {
  return (await tuskJson<any[]>(['list', 'commit', repo])).length;
}

describe('put file -f s3://...', () => {
  it('puts one object at its base name, or at :/PATH, as one commit', async () => {
    const one = await tuskJson(['put', 'file', 'ingest@master', '-f', `s3://${bucket}/single/report.csv`]);
    expect(one).toMatchObject({ repo: 'ingest', branch: 'master', filesWritten: 1, bytesWritten: objects['single/report.csv']!.length });
    expect(one.finished).not.toBeNull();
    const there = await tuskJson(['put', 'file', 'ingest@master:/tables/people.csv', '-f', `s3://${bucket}/single/report.csv`]);
    expect(there.parentId).toBe(one.id);
    expect(await files('ingest@master')).toEqual({ '/report.csv': 'id,name\n1,ada\n', '/tables/people.csv': 'id,name\n1,ada\n' });
  });

  it('puts every object under a prefix with -r at its path below the prefix, skipping folder markers and neighbours', async () => {
    // Endpoint and region from the flags this time, not AWS_ENDPOINT_URL.
    const flagsOnly = { ...env, AWS_ENDPOINT_URL: undefined };
    const put = await tuskJson(['put', 'file', 'ingest@prefix:/imported', '-f', `s3://${bucket}/photos`, '-r', '--s3-endpoint', s3.endpoint, '--s3-region', 'us-east-1'], { env: flagsOnly });
    expect(put).toMatchObject({ branch: 'prefix', filesWritten: 4 });
    expect(await files('ingest@prefix')).toEqual({
      '/imported/2024/c.txt': 'charlie\n',
      '/imported/2024/jan/b.bin': objects['photos/2024/jan/b.bin']!.toString('utf8'),
      '/imported/a.txt': 'alpha\n',
      '/imported/empty.txt': '',
    });
    // Without :/PATH the prefix's contents go under /, like a local folder's; a trailing '/' means the same prefix.
    await tuskJson(['put', 'file', 'ingest@root', '-f', `s3://${bucket}/photos/2024/`, '-r']);
    expect(Object.keys(await files('ingest@root'))).toEqual(['/c.txt', '/jan/b.bin']);
  });

  it('streams an object larger than 20 MiB and reads it back bit-identical', async () => {
    const put = await tuskJson(['put', 'file', 'ingest@big', '-f', `s3://${bucket}/big/large.bin`]);
    expect(put).toMatchObject({ filesWritten: 1, bytesWritten: big.length });
    const got = await tusk(['get', 'file', 'ingest@big:/large.bin'], { timeoutMs: 120_000 });
    expect(got.code).toBe(0);
    expect(got.raw.length).toBe(big.length);
    expect(sha(got.raw)).toBe(sha(big));
  });

  it('draws the progress bar over the listed bytes on a terminal', async () => {
    if (!existsSync('/usr/bin/script')) return;
    const shown = await onTerminal(['put', 'file', 'ingest@bar:/p', '-f', `s3://${bucket}/photos`, '-r']);
    expect(shown).toMatch(/put \[=+\] 100% .* \| 4\/4 files/);
    expect(shown).toMatch(/[0-9a-f]{32}/);
  });

  it('fails with one line naming the URL for a missing bucket or key, and commits nothing', async () => {
    const before = await commitCount('ingest@master');
    const cases: [string[], RegExp][] = [
      [['-f', 's3://no-such-bucket-here/x.txt'], /^tusk: s3:\/\/no-such-bucket-here: no such bucket "no-such-bucket-here"\n$/],
      [['-f', 's3://no-such-bucket-here/photos', '-r'], /^tusk: s3:\/\/no-such-bucket-here: no such bucket/],
      [['-f', `s3://${bucket}/photos/nope.txt`], new RegExp(`^tusk: s3://${bucket}/photos/nope\\.txt: no such key\\n$`)],
      [['-f', `s3://${bucket}/nothing-here`, '-r'], new RegExp(`^tusk: s3://${bucket}/nothing-here: no such key\\n$`)],
    ];
    for (const [args, message] of cases) {
      const r = await tusk(['put', 'file', 'ingest@master', ...args]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stdout).toBe('');
    }
    // A prefix without -r, or a whole bucket, is a usage error, as a folder without -r is.
    for (const url of [`s3://${bucket}/photos`, `s3://${bucket}`]) {
      const r = await tusk(['put', 'file', 'ingest@master', '-f', url]);
      expect(r.code, url).toBe(2);
      expect(r.stderr).toMatch(/add -r/);
    }
    const local = await tusk(['put', 'file', 'ingest@master', '-f', '-', '--s3-endpoint', s3.endpoint]);
    expect(local).toMatchObject({ code: 2, stderr: 'tusk: --s3-endpoint and --s3-region go with -f s3://...\n' });
    expect(await commitCount('ingest@master')).toBe(before);
  });

  it('commits nothing when an object fails mid-way through a prefix', async () => {
    injector.reset();
    // Listing works; the GET of the third object (2024/jan/b.bin, in key order) is refused.
    injector.failAlways(ACCESS_DENIED, ({ method, url }) => method === 'GET' && url.pathname.endsWith('/jan/b.bin'));
    const r = await tusk(['put', 'file', 'ingest@fails', '-f', `s3://${bucket}/photos`, '-r', '--s3-endpoint', injector.endpoint]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^tusk: s3://${bucket}/photos/2024/jan/b\\.bin: AccessDenied`));
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(injector.requests.some((q) => q.method === 'GET' && q.url.includes('/photos/2024/c.txt'))).toBe(true); // an earlier object was read
    const branches = (await tuskJson<any[]>(['list', 'branch', 'ingest'])).map((b) => b.name);
    if (branches.includes('fails')) expect(await commitCount('ingest@fails')).toBe(0);
    injector.reset();
  });
});

/** Runs tusk under script(1), so that its stderr is a terminal; returns what the terminal showed. */
function onTerminal(args: string[]): Promise<string> {
  const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, TUSK, ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.on('error', reject);
    child.on('close', () => resolve(out));
  });
}
