// TLS end to end: tuskd with --tls-cert/--tls-key serves gRPC, S3 and HTTP
// over TLS; `tusk` reaches it at a grpcs:// address trusting TUSK_TLS_CA, and
// refuses it without that CA or in plaintext; a pipeline's workers and
// sidecars connect over TLS too. The certificate is made here with openssl.
// `tusk` run as a program (bin/tusk's launcher lines, which start Node without
// NODE_EXTRA_CA_CERTS) still trusts a CA given only by that variable.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent, get, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TUSKD } from './helpers/daemon.js';
import { until } from './helpers/until.js';
import { expectError, tusk, TUSK, type RunOptions } from './helpers/tusk-cli.js';

const haveOpenssl = existsSync('/usr/bin/openssl');
if (!haveOpenssl) console.warn('skipping test/tls.test.ts: /usr/bin/openssl is not installed');

let work: string;
let daemon: ChildProcess;
let ports: { port: number; s3Port: number; httpPort: number };
let ca: Buffer;
let env: NodeJS.ProcessEnv;
const run = (args: string[], opts: RunOptions = {}) => tusk(args, { env, timeoutMs: 60_000, ...opts });

describe.skipIf(!haveOpenssl)('with --tls-cert and --tls-key', () => {
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'tusk-tls-'));
    const cert = join(work, 'cert.pem');
    const key = join(work, 'key.pem');
    execFileSync('/usr/bin/openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
    ca = await readFile(cert);
    const home = join(work, 'home');
    daemon = spawn(process.execPath, [TUSKD, '--home', home, '--port', '0', '--s3-port', '0', '--http-port', '0', '--tls-cert', cert, '--tls-key', key], {
      stdio: ['ignore', 'ignore', 'ignore'],
      env: { ...process.env, TUSK_HOME: home, TUSK_S3_ACCESS_KEY_ID: 'tls', TUSK_S3_SECRET_ACCESS_KEY: 'tls-secret' },
    });
    // tuskd binds free ports itself (port 0) and records them in tuskd.json once it is ready.
    const info = await until(
      async () => (existsSync(join(home, 'tuskd.json')) ? (JSON.parse(await readFile(join(home, 'tuskd.json'), 'utf8')) as typeof ports) : undefined),
      (v) => v !== undefined,
      30_000,
    );
    ports = { port: info!.port, s3Port: info!.s3Port, httpPort: info!.httpPort };
    env = { ...process.env, TUSK_HOME: join(work, 'cli'), TUSK_ADDRESS: `grpcs://127.0.0.1:${ports.port}`, TUSK_TLS_CA: cert };
  }, 60_000);

  afterAll(async () => {
    if (daemon && daemon.exitCode === null) {
      daemon.kill('SIGTERM');
      await new Promise((r) => daemon.once('exit', r));
    }
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('serves gRPC over TLS to a grpcs:// address with the CA, and refuses without it or in plaintext', async () => {
    const ok = await run(['version']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`at grpcs://127.0.0.1:${ports.port}`);
    expectError(
      await run(['list', 'repo'], { env: { ...env, TUSK_TLS_CA: '' } }),
      /^tusk: grpcs:\/\/127\.0\.0\.1:\d+: tuskd's TLS certificate is not trusted: self-signed certificate \(set TUSK_TLS_CA to the PEM file of the CA that signed it, or of the certificate itself if it is self-signed\)\n$/,
    );
    expectError(await run(['list', 'repo'], { env: { ...env, TUSK_ADDRESS: `127.0.0.1:${ports.port}` } }), /cannot reach tuskd/);
  });

  it('tusk up of a daemon whose certificate the CLI does not trust says so at once and leaves it running; with the CA it answers, at https:// addresses', async () => {
    const home = join(work, 'up-home');
    const tls = { ...env, TUSK_HOME: home, TUSK_ADDRESS: '', TUSK_TLS_CERT: join(work, 'cert.pem'), TUSK_TLS_KEY: join(work, 'key.pem') };
    const flags = ['--port', '0', '--http-port', '0', '--s3-port', '0'];
    try {
      const first = await run(['up', ...flags], { env: { ...tls, TUSK_TLS_CA: '' } });
      expectError(first, /: tuskd started \(pid \d+\) and is left running, but tuskd's TLS certificate is not trusted: self-signed certificate \(set TUSK_TLS_CA/);
      const again = await run(['up', ...flags, '-o', 'json'], { env: tls });
      expect(again.code, again.stderr).toBe(0);
      const info = JSON.parse(again.stdout);
      expect(info).toMatchObject({ alreadyRunning: true, address: expect.stringMatching(/^grpcs:\/\//), console: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+\/$/) });
      expect(first.stderr).toContain(`(pid ${info.pid})`);
    } finally {
      await run(['down'], { env: tls });
    }
  });

  it('trusts a CA given only by NODE_EXTRA_CA_CERTS when bin/tusk runs as a program', async () => {
    const extraCaOnly = { ...env, TUSK_TLS_CA: '', NODE_EXTRA_CA_CERTS: join(work, 'cert.pem') };
    delete extraCaOnly.GRPC_DEFAULT_SSL_ROOTS_FILE_PATH; // grpc-js's own roots would replace Node's store and the variable
    // Executed as a shell would (not `node bin/tusk`): its launcher lines defer the variable, so Node never reads
    // the file, and the CLI must add the CA to its TLS itself.
    const listed = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(TUSK, ['list', 'repo', '-o', 'json'], { env: extraCaOnly, encoding: 'utf8' }, (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr })),
    );
    expect(listed.stderr).toBe('');
    expect(listed.code).toBe(0);
    expect(Array.isArray(JSON.parse(listed.stdout))).toBe(true);
  });

  it('serves health and S3 over HTTPS', async () => {
    const agent = new Agent({ ca });
    const body = await new Promise<string>((resolve, reject) =>
      get({ host: '127.0.0.1', port: ports.httpPort, path: '/healthz', agent }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => resolve(text));
      }).on('error', reject),
    );
    expect(body).toBe('ok\n');
    const s3 = new S3Client({ endpoint: `https://127.0.0.1:${ports.s3Port}`, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'tls', secretAccessKey: 'tls-secret' }, requestHandler: new NodeHttpHandler({ httpsAgent: agent }), maxAttempts: 1 });
    expect((await s3.send(new ListBucketsCommand({}))).Buckets).toEqual([]);
    s3.destroy();
    agent.destroy();
  });

  it("serves the console's API over HTTPS, passing its calls to the gRPC server over TLS", async () => {
    const agent = new Agent({ ca });
    const reply = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: ports.httpPort, path: '/api/tusk.pfs.PfsApi/ListRepo', method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.end('{}');
    });
    expect(reply.status, reply.text).toBe(200);
    agent.destroy();
  });

  it('runs a pipeline whose workers and sidecars reach the daemon over TLS', async () => {
    await writeFile(join(work, 'p.json'), JSON.stringify({ pipeline: { name: 'upper' }, input: { pfs: { repo: 'words', glob: '/*' } }, transform: { cmd: ['sh', '-c', 'tr a-z A-Z < "$words" > /pfs/out/$(basename "$words")'] } }));
    expect((await run(['create', 'repo', 'words'])).code).toBe(0);
    expect((await run(['create', 'pipeline', '-f', join(work, 'p.json')])).code).toBe(0);
    const id = (await run(['put', 'file', 'words@master:/a.txt', '-f', '-'], { input: 'hello\n' })).stdout.trim();
    const waited = await run(['wait', 'commit', `upper@${id}`], { timeoutMs: 90_000 });
    expect(waited.code, waited.stderr).toBe(0);
    expect((await run(['get', 'file', `upper@${id}:/a.txt`])).stdout).toBe('HELLO\n');
  }, 120_000);
});
