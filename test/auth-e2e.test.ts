// Access control end to end, with the real `tusk`, a real tuskd whose local
// runtime starts real workers and sidecars, and the real aws CLI: a two-stage
// DAG runs under its pipelines' own identities; a reader reads but cannot
// write or delete; a pipeline over a repo its creator cannot read is refused;
// the aws CLI with a reader's key lists and downloads but cannot upload; no
// token or secret ever reaches the daemon's log or user code; and a flood of
// bad tokens and signatures is refused without harm.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Metadata, status } from '@grpc/grpc-js';
import { AuthClient, TuskClient } from '../src/client/index.js';
import { startDaemon, type DaemonHandle } from './helpers/daemon.js';
import { expectError, tusk as run, tuskJson as runJson, type RunOptions } from './helpers/tusk-cli.js';

const AWS = '/usr/bin/aws'; // Debian's aws CLI v2; a pyenv shim may shadow it on PATH
const haveAws = existsSync(AWS);
if (!haveAws) console.warn('skipping the aws CLI part of test/auth-e2e.test.ts: /usr/bin/aws is not installed (Debian package awscli)');

let daemon: DaemonHandle;
let work: string;
const secrets: string[] = [];
const token: Record<string, string> = {};

const as = (who: string | undefined, opts: RunOptions = {}): RunOptions => ({ timeoutMs: 60_000, ...opts, env: { ...daemon.env, TUSK_CONFIG: join(work, `${who ?? 'nobody'}.json`), ...(who ? { TUSK_AUTH_TOKEN: token[who] } : {}), ...opts.env } });
const tusk = (who: string | undefined, args: string[], opts: RunOptions = {}) => run(args, as(who, opts));
const tuskJson = <T = any>(who: string | undefined, args: string[], opts: RunOptions = {}) => runJson<T>(args, as(who, opts));

function spec(name: string, repo: string, glob: string, cmd: string): string {
  return JSON.stringify({ pipeline: { name }, input: { pfs: { repo, glob } }, transform: { cmd: ['sh', '-c', cmd] } });
}

beforeAll(async () => {
  daemon = await startDaemon();
  work = await mkdtemp(join(tmpdir(), 'tusk-auth-e2e-'));
  const activated = await runJson<{ token: string; subject: string }>(['auth', 'activate'], { env: { ...daemon.env, TUSK_CONFIG: join(work, 'root.json') } });
  expect(activated.subject).toBe('user:root');
  token.root = activated.token;
  secrets.push(activated.token);
  const admin = new AuthClient(daemon.address, { token: token.root });
  for (const user of ['alice', 'rita', 'mallory']) {
    token[user] = (await admin.getRobotToken(`user:${user}`)).token;
    secrets.push(token[user]!);
  }
  const files = new TuskClient(daemon.address, { token: token.root });
  await files.createRepo('docs');
  files.close();
  await admin.setRepoRole('docs', 'repoWriter', 'user:alice');
  await admin.setRepoRole('docs', 'repoReader', 'user:rita');
  admin.close();
}, 120_000);

afterAll(async () => {
  await daemon?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('with access control on', () => {
  it('logs in from stdin into a config file only its owner can read, and says who you are', async () => {
    const config = join(work, 'alice-login.json');
    const login = await run(['auth', 'login'], { env: { ...daemon.env, TUSK_CONFIG: config }, input: `${token.alice}\n` });
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toBe('Logged in as user:alice.\n');
    expect((await stat(config)).mode & 0o777).toBe(0o600);
    const me = await runJson(['auth', 'whoami'], { env: { ...daemon.env, TUSK_CONFIG: config } });
    expect(me).toMatchObject({ active: true, subject: 'user:alice', clusterRole: null });
    // A refused token is said as such, not with advice to run the command just run.
    const bad = await run(['auth', 'login', '--token', 'tusk_wrong'], { env: { ...daemon.env, TUSK_CONFIG: join(work, 'bad.json') } });
    expectError(bad, /^tusk: tuskd refused that token \(unknown or revoked token\): ask a clusterAdmin for a new one \(tusk auth get-robot-token SUBJECT\)\n$/);
    expect(bad.stderr).not.toMatch(/run tusk auth login/);
    expect(existsSync(join(work, 'bad.json'))).toBe(false);

    // auth logout forgets the stored token: later commands carry none (and say how to log in); twice is no error.
    const out = await run(['auth', 'logout'], { env: { ...daemon.env, TUSK_CONFIG: config } });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toBe(`Logged out: the token stored in ${config} is forgotten.\n`);
    expectError(await run(['auth', 'whoami'], { env: { ...daemon.env, TUSK_CONFIG: config } }), /^tusk: not logged in: run tusk auth login \(no token\)\n$/);
    expect((await run(['auth', 'logout'], { env: { ...daemon.env, TUSK_CONFIG: config } })).stdout).toBe('No token was stored.\n');
  });

  it('refuses a caller without a token, naming the way in', async () => {
    expectError(await tusk(undefined, ['list', 'repo']), /^tusk: not logged in: run tusk auth login \(no token\)\n$/);
  });

  it('runs a two-stage DAG with its pipelines\' own identities, which user code never sees', async () => {
    await writeFile(join(work, 'counts.json'), spec('counts', 'docs', '/*', 'n=$(basename "$docs"); wc -c < "$docs" | tr -d " " > /pfs/out/$n.count; env > /pfs/out/$n.env'));
    await writeFile(join(work, 'top.json'), spec('top', 'counts', '/', 'cat /pfs/counts/*.count | sort -n > /pfs/out/all'));
    await tuskJson('alice', ['create', 'pipeline', '-f', join(work, 'counts.json')]);
    await tuskJson('alice', ['create', 'pipeline', '-f', join(work, 'top.json')]); // alice owns counts: she may read it
    expect((await tuskJson('alice', ['auth', 'get', 'repo', 'counts'])).bindings).toEqual([{ subject: 'user:alice', role: 'repoOwner' }]);
    await writeFile(join(work, 'a.txt'), 'hello\n');
    await writeFile(join(work, 'b.txt'), 'hello world\n');
    const put = await tusk('alice', ['put', 'file', 'docs@master:/a.txt', '-f', join(work, 'a.txt')]);
    expect(put.code, put.stderr).toBe(0);
    const id = (await tusk('alice', ['put', 'file', 'docs@master:/b.txt', '-f', join(work, 'b.txt')])).stdout.trim();
    const waited = await tusk('alice', ['wait', 'commit', `top@${id}`], { timeoutMs: 90_000 });
    expect(waited.code, waited.stderr).toBe(0);
    expect((await tusk('alice', ['get', 'file', `top@${id}:/all`])).stdout).toBe('6\n12\n');
    const env = (await tusk('alice', ['get', 'file', `counts@${id}:/a.txt.env`])).stdout;
    expect(env).toContain('TUSK_JOB_ID=');
    expect(env).not.toMatch(/TUSK_AUTH|tuskp\.|tusk_/);
    const jobs = await tuskJson<{ pipeline: string; state: string }[]>('alice', ['list', 'job']);
    expect(jobs.every((j) => j.state === 'success')).toBe(true);
  }, 120_000);

  it('lets a reader read but not write or delete, naming subject, repo and role', async () => {
    expect((await tusk('rita', ['get', 'file', 'docs@master:/a.txt'])).stdout).toBe('hello\n');
    expectError(await tusk('rita', ['put', 'file', 'docs@master:/c.txt', '-f', '-'], { input: 'x' }), /permission denied: user:rita needs repoWriter on repo "docs"/);
    expectError(await tusk('rita', ['delete', 'file', 'docs@master:/a.txt']), /user:rita needs repoWriter on repo "docs"/);
    expectError(await tusk('rita', ['delete', 'repo', 'docs']), /user:rita needs repoOwner on repo "docs"/);
    // update repo is CreateRepo on the wire: the refusal names what the user typed.
    expectError(await tusk('rita', ['update', 'repo', 'docs', '-d', 'hi']), /^tusk: permission denied: user:rita needs repoWriter on repo "docs" to update repo\n$/);
    expectError(await tusk('rita', ['auth', 'set', 'repo', 'docs', 'repoOwner', 'user:rita']), /user:rita needs repoOwner on repo "docs"/);
    expectError(await tusk('rita', ['get', 'file', 'counts@master:/a.txt.count']), /user:rita needs repoReader on repo "counts"/);
    expect((await tusk('rita', ['get', 'file', 'docs@master:/a.txt'])).stdout).toBe('hello\n'); // nothing changed
  });

  it('refuses a pipeline whose creator cannot read its input, naming the repo', async () => {
    await writeFile(join(work, 'steal.json'), spec('steal', 'docs', '/*', 'cp "$docs" /pfs/out/'));
    expectError(await tusk('mallory', ['create', 'pipeline', '-f', join(work, 'steal.json')]), /user:mallory needs repoReader on repo "docs"/);
    expectError(await tusk('root', ['inspect', 'pipeline', 'steal']), /not found/);
  });

  it('binds roles only on a repo that exists, so whoever creates a repo later owns it', async () => {
    expectError(await tusk('root', ['auth', 'set', 'repo', 'ghost', 'repoReader', 'user:rita']), /repo "ghost" not found/);
    expectError(await tusk('root', ['auth', 'get', 'repo', 'ghost']), /repo "ghost" not found/);
    expect((await tusk('mallory', ['create', 'repo', 'ghost'])).code).toBe(0);
    expect((await tusk('mallory', ['put', 'file', 'ghost@master:/a.txt', '-f', '-'], { input: 'mine' })).code).toBe(0);
    expect(await tuskJson('mallory', ['auth', 'get', 'repo', 'ghost'])).toMatchObject({ bindings: [{ subject: 'user:mallory', role: 'repoOwner' }] });
    expectError(await tusk('rita', ['get', 'file', 'ghost@master:/a.txt']), /user:rita needs repoReader on repo "ghost"/);
  });

  it('ends a revoked token at once', async () => {
    const t = (await tuskJson<{ token: string }>('root', ['auth', 'get-robot-token', 'robot:tmp'])).token;
    secrets.push(t);
    expect((await run(['auth', 'whoami'], { env: { ...daemon.env, TUSK_AUTH_TOKEN: t } })).code).toBe(0);
    expect(await tuskJson('root', ['auth', 'revoke', t])).toEqual({ revoked: 1 });
    expectError(await run(['auth', 'whoami'], { env: { ...daemon.env, TUSK_AUTH_TOKEN: t } }), /not logged in: run tusk auth login \(unknown or revoked token\)/);
  });

  it('tells an unsigned S3 request or an unknown key to use a key from tusk auth create-s3-key', async () => {
    const unsigned = await fetch(`http://127.0.0.1:${daemon.s3Port}/master.docs/a.txt`);
    expect(unsigned.status).toBe(403);
    expect(await unsigned.text()).toContain('anonymous access is off: access control is on: sign requests with a key from `tusk auth create-s3-key`');
  });

  describe.skipIf(!haveAws)('the aws CLI with a reader\'s key', () => {
    it('lists and downloads, and gets AccessDenied uploading', async () => {
      const key = await tuskJson<{ accessKeyId: string; secretAccessKey: string; subject: string }>('rita', ['auth', 'create-s3-key']);
      expect(key.subject).toBe('user:rita');
      secrets.push(key.secretAccessKey);
      await rm(join(work, 'home'), { recursive: true, force: true });
      const env = { PATH: process.env.PATH, HOME: work, LANG: 'C.UTF-8', AWS_EC2_METADATA_DISABLED: 'true', AWS_ACCESS_KEY_ID: key.accessKeyId, AWS_SECRET_ACCESS_KEY: key.secretAccessKey, AWS_DEFAULT_REGION: 'us-east-1', AWS_PAGER: '' };
      const aws = (...args: string[]) =>
        new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
          execFile(AWS, ['--endpoint-url', `http://127.0.0.1:${daemon.s3Port}`, ...args], { env, cwd: work, timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr })),
        );
      const [ls, down, up] = await Promise.all([aws('s3', 'ls', 's3://master.docs/'), aws('s3', 'cp', 's3://master.docs/a.txt', join(work, 'down.txt')), aws('s3', 'cp', join(work, 'b.txt'), 's3://master.docs/up.txt')]);
      expect(ls.code, ls.stderr).toBe(0);
      expect(ls.stdout).toMatch(/a\.txt/);
      expect(down.code, down.stderr).toBe(0);
      expect(await readFile(join(work, 'down.txt'), 'utf8')).toBe('hello\n');
      expect(up.code).not.toBe(0);
      expect(up.stderr).toMatch(/AccessDenied/);
      expectError(await tusk('rita', ['get', 'file', 'docs@master:/up.txt']), /not found/);
    }, 120_000);
  });

  it('refuses 1,000 bad tokens and 1,000 bad signatures in a row, and still serves the next good call', async () => {
    // One connection, a fresh random token in each call's metadata.
    const client = new TuskClient(daemon.address);
    let refused = 0;
    for (let i = 0; i < 1000; i += 100) {
      await Promise.all(
        Array.from({ length: 100 }, () => {
          const md = new Metadata();
          md.set('authn-token', `tusk_${randomBytes(32).toString('base64url')}`);
          return new Promise<void>((resolve) => client.pfs.listRepo({}, md, (err) => resolve(void (err?.code === status.UNAUTHENTICATED && refused++))));
        }),
      );
    }
    client.close();
    expect(refused).toBe(1000);
    // Requests signed by a real key ID with random signatures (sent raw: the SDK's own cost would dominate).
    const key = await tuskJson<{ accessKeyId: string }>('alice', ['auth', 'create-s3-key']);
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    const badRequest = () =>
      new Promise<string>((resolve, reject) => {
        const authorization = `AWS4-HMAC-SHA256 Credential=${key.accessKeyId}/${amzDate.slice(0, 8)}/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=${randomBytes(32).toString('hex')}`;
        const req = request({ host: '127.0.0.1', port: daemon.s3Port, path: '/', agent, headers: { authorization, 'x-amz-date': amzDate } }, (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve(/<Code>([^<]+)</.exec(body)?.[1] ?? String(res.statusCode)));
        });
        req.on('error', reject).end();
      });
    let badSignatures = 0;
    for (let i = 0; i < 1000; i += 100) {
      const codes = await Promise.all(Array.from({ length: 100 }, badRequest));
      badSignatures += codes.filter((c) => c === 'SignatureDoesNotMatch').length;
    }
    agent.destroy();
    expect(badSignatures).toBe(1000);
    expect((await tusk('alice', ['list', 'file', 'docs@master'])).code).toBe(0);
  }, 120_000);

  it('never writes a token or secret to the daemon\'s log or the workers\' logs, and audits refusals with the subject', async () => {
    const logs = [daemon.logs()];
    const workerLogs = join(daemon.home, 'logs', 'workers');
    for (const f of await readdir(workerLogs)) logs.push(await readFile(join(workerLogs, f), 'utf8'));
    const all = logs.join('\n');
    for (const s of secrets) expect(all).not.toContain(s);
    expect(all).not.toMatch(/tuskp\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{20,}/);
    const audit = daemon.logs().split('\n').filter((l) => l.includes('"event":"audit"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(audit).toContainEqual(expect.objectContaining({ action: 'denied', call: 'ModifyFile', subject: 'user:rita', repo: 'docs', role: 'repoWriter' }));
    expect(audit).toContainEqual(expect.objectContaining({ action: 'denied', call: 'CreatePipeline', subject: 'user:mallory', repo: 'docs' }));
    expect(audit).toContainEqual(expect.objectContaining({ action: 'set_repo_role', by: 'user:root', repo: 'docs', subject: 'user:rita', role: 'repoReader' }));
    expect(audit).toContainEqual(expect.objectContaining({ action: 'revoke_token', by: 'user:root', subject: 'robot:tmp' }));
    expect(audit).toContainEqual(expect.objectContaining({ action: 'denied', call: 'ListBuckets', reason: 'SignatureDoesNotMatch' }));
    expect(audit).toContainEqual(expect.objectContaining({ action: 'denied', call: 'ListRepo', reason: 'unknown or revoked token' }));
  });
});
