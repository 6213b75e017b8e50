// A real tuskd for end-to-end tests: bin/tuskd (the built daemon; run
// `npm run build` first) in a child process on free loopback ports with a
// temporary TUSK_HOME, started in the foreground and ready once /healthz
// answers 200. stop() sends SIGTERM and waits; kill() sends SIGKILL (crash
// tests) and keeps the home so a new daemon can be started on it.
// With TUSK_TEST_STORAGE=s3 (vitest's `s3` project), a daemon started without
// an explicit storage keeps its content in a bucket of an s3rver shared by
// the test file (one bucket per home, so a restart on the same home finds its
// data again): the same tests then run once in S3 mode.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { startS3rver, type S3rverHandle } from './s3rver.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const TUSKD = join(ROOT, 'bin/tuskd');

export interface DaemonOptions {
  /** TUSK_STORAGE (default: the home's local object store). */
  storage?: string;
  /** Reuse a home (e.g. after kill()); default: a fresh temp dir, removed by stop(). */
  home?: string;
  /** Extra environment for the daemon (e.g. AWS_* for S3 storage). */
  env?: Record<string, string>;
  timeoutMs?: number;
  /** The gRPC port (default: a free one), when something must know it before the daemon starts. */
  port?: number;
  /** The tuskd to run (default: this checkout's bin/tuskd), e.g. a copy of the install. */
  tuskd?: string;
}

export interface DaemonHandle {
  /** host:port of the gRPC API. */
  address: string;
  home: string;
  port: number;
  httpPort: number;
  s3Port: number;
  /** TUSK_STORAGE as the daemon got it (undefined: its home's local object store). */
  storage?: string;
  /** The environment that opens `storage` (AWS_* for an s3rver bucket), for tests that reach into the object store. */
  storageEnv: Record<string, string>;
  /** Environment for a `tusk` child process that talks to this daemon. */
  env: NodeJS.ProcessEnv;
  process: ChildProcess;
  /** The daemon's stderr so far (JSON log lines). */
  logs(): string;
  /** SIGTERM, wait for exit; removes the home unless it was given or keepHome is set. */
  stop(options?: { keepHome?: boolean }): Promise<void>;
  /** SIGKILL, wait for exit; keeps the home. */
  kill(): Promise<void>;
}

/**
 * A loopback TCP port that was free a moment ago (listen on port 0, close, reuse the number). Another
 * process can take it before it is used: only for an address nothing listens on, or with a retry.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startDaemon(options: DaemonOptions = {}): Promise<DaemonHandle> {
  if (!existsSync(join(ROOT, 'dist/src/server/main.js'))) throw new Error('tuskd is not built: run `npm run build` first');
  const ownHome = options.home === undefined;
  const home = options.home ?? (await mkdtemp(join(tmpdir(), 'tusk-home-')));
  if (options.storage === undefined && inS3Mode()) {
    const s3 = await s3StorageFor(home);
    options = { ...options, storage: s3.storage, env: { ...s3.env, ...options.env } };
  }
  // Port 0: tuskd binds free ports itself and names them in its daemon_started log line, so no
  // other process can take a port between our choosing it and tuskd binding it (files run in parallel).
  const args = [options.tuskd ?? TUSKD, '--home', home, '--port', String(options.port ?? 0), '--http-port', '0', '--s3-port', '0'];
  if (options.storage) args.push('--storage', options.storage);
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...options.env, TUSK_HOME: home },
  });
  let stderr = '';
  let ports: { port: number; httpPort: number; s3Port: number } | undefined;
  child.stderr!.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
    ports ??= startedPorts(stderr);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));

  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (gone) throw new Error(`tuskd exited before it was ready (code ${child.exitCode}):\n${stderr}`);
    if (ports && (await healthy(ports.httpPort))) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`tuskd was not healthy within ${timeoutMs} ms:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const { port, httpPort, s3Port } = ports;

  const address = `127.0.0.1:${port}`;
  const waitExit = async (signal: NodeJS.Signals) => {
    if (!gone) child.kill(signal);
    await exited;
  };
  return {
    address,
    home,
    storage: options.storage,
    storageEnv: options.env ?? {},
    port,
    httpPort,
    s3Port,
    env: { ...process.env, TUSK_ADDRESS: address, TUSK_HOME: home },
    process: child,
    logs: () => stderr,
    async stop({ keepHome = false } = {}) {
      await waitExit('SIGTERM');
      if (ownHome && !keepHome) await rm(home, { recursive: true, force: true });
    },
    async kill() {
      await waitExit('SIGKILL');
    },
  };
}

/** The ports of tuskd's daemon_started log line, once it is in `stderr`. */
function startedPorts(stderr: string): { port: number; httpPort: number; s3Port: number } | undefined {
  for (const line of stderr.split('\n')) {
    if (!line.includes('"daemon_started"')) continue;
    try {
      const event = JSON.parse(line) as { event?: string; port: number; httpPort: number; s3Port: number };
      if (event.event === 'daemon_started') return { port: event.port, httpPort: event.httpPort, s3Port: event.s3Port };
    } catch {
      // a line still being written: the next chunk completes it
    }
  }
  return undefined;
}

/** True once tuskd's /healthz on `httpPort` answers 200 (the test and benchmark daemon starters poll it). */
export async function healthy(httpPort: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${httpPort}/healthz`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

/** True in the `s3` test project: daemons keep their content on an s3rver unless a test gives a storage. */
export function inS3Mode(): boolean {
  return process.env.TUSK_TEST_STORAGE === 's3';
}

let sharedS3: Promise<S3rverHandle> | undefined;
const bucketOfHome = new Map<string, string>();

/** The storage URL and AWS environment for a daemon on `home` in S3 mode: its own bucket, the same on a restart. */
async function s3StorageFor(home: string): Promise<{ storage: string; env: Record<string, string> }> {
  sharedS3 ??= startS3rver();
  const s3 = await sharedS3;
  let bucket = bucketOfHome.get(home);
  if (bucket === undefined) {
    bucket = await s3.createBucket();
    bucketOfHome.set(home, bucket);
  }
  return { storage: `s3://${bucket}/tusk?endpoint=${encodeURIComponent(s3.endpoint)}&region=${s3.region}`, env: s3.env };
}

/**
 * Stops the S3 mode's s3rver, if one was started (test/helpers/s3-mode-setup.ts calls it after each
 * test file), and says how many buckets the daemons had and how many objects they wrote into them.
 */
export async function stopTestS3(): Promise<{ buckets: number; objects: number }> {
  const started = sharedS3;
  const buckets = [...bucketOfHome.values()];
  sharedS3 = undefined;
  bucketOfHome.clear();
  if (!started) return { buckets: 0, objects: 0 };
  const s3 = await started;
  let objects = 0;
  for (const bucket of buckets) {
    const page = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1000 }));
    objects += page.KeyCount ?? 0;
  }
  await s3.stop();
  return { buckets: buckets.length, objects };
}
