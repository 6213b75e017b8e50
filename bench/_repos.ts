// Shared by the branch and diff benchmarks (not a benchmark itself): a repo of
// n small files made through the typed client (many files to a message, as
// `put file -r` sends them), the same files as a git repository made with
// `git fast-import`, and timing of single gRPC calls: the round trip seen by
// a client in this process and the daemon's own time from the
// `tusk-server-ms` trailer.
import { spawn } from 'node:child_process';
import type { ClientUnaryCall, Metadata, ServiceError } from '@grpc/grpc-js';
import type { TuskClient } from '../src/client/index.js';
import { run } from './_daemon.js';

/** 1,000 files a folder: /d0000/f0000000.txt ... */
export function filePath(i: number): string {
  return `/d${String(Math.floor(i / 1000)).padStart(4, '0')}/f${String(i).padStart(7, '0')}.txt`;
}

export function fileContent(i: number, version = 0): Buffer {
  return Buffer.from(version === 0 ? `file ${i}\n` : `file ${i} version ${version}\n`);
}

/** The files a second commit changes: `n` paths spread over the tree, half modified, a quarter added, a quarter deleted. */
export function changes(files: number, n: number): { modified: number[]; added: number[]; deleted: number[] } {
  const spread = Array.from({ length: n }, (_, k) => Math.floor(((k + 0.5) * files) / n));
  const q = Math.max(1, Math.floor(n / 4));
  return { modified: spread.slice(0, n - 2 * q), added: spread.slice(n - 2 * q, n - q).map((i) => files + i), deleted: spread.slice(n - q) };
}

/** Puts files [0, n) into `target` (`repo@branch`) as one commit. */
export async function fillRepo(client: TuskClient, target: string, n: number): Promise<void> {
  const w = await client.modifyFile(target);
  try {
    for (let i = 0; i < n; i++) await w.putFile(filePath(i), fileContent(i));
  } catch (err) {
    w.abort();
    throw err;
  }
  await w.close();
}

/** Applies changes() to `target` as one commit. */
export async function changeRepo(client: TuskClient, target: string, c: ReturnType<typeof changes>): Promise<void> {
  const w = await client.modifyFile(target);
  for (const i of c.modified) await w.putFile(filePath(i), fileContent(i, 1));
  for (const i of c.added) await w.putFile(filePath(i), fileContent(i));
  for (const i of c.deleted) await w.deleteFile(filePath(i));
  await w.close();
}

/** A git repository (`git init` in `dir`) whose master holds files [0, n) in one commit, and, given changes, a second commit with them. */
export async function gitRepo(dir: string, n: number, c?: ReturnType<typeof changes>): Promise<void> {
  await run('git', ['init', '-q', dir]);
  const child = spawn('git', ['fast-import', '--quiet'], { cwd: dir, stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<void>((resolve, reject) => child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`git fast-import exited ${code}: ${stderr}`)))));
  let out: string[] = [];
  let size = 0;
  const write = async (s: string) => {
    out.push(s);
    size += s.length;
    if (size > 1 << 20) await flush();
  };
  const flush = async () => {
    if (!child.stdin.write(out.join(''))) await new Promise((r) => child.stdin.once('drain', r));
    out = [];
    size = 0;
  };
  const data = (b: Buffer) => `data ${b.length}\n${b.toString('latin1')}\n`;
  await write(`commit refs/heads/master\nmark :1\ncommitter bench <bench@example.com> 0 +0000\ndata 4\nbase\n`);
  for (let i = 0; i < n; i++) await write(`M 100644 inline ${filePath(i).slice(1)}\n${data(fileContent(i))}`);
  if (c) {
    await write(`commit refs/heads/master\nmark :2\ncommitter bench <bench@example.com> 1 +0000\ndata 7\nchange\nfrom :1\n`);
    for (const i of c.modified) await write(`M 100644 inline ${filePath(i).slice(1)}\n${data(fileContent(i, 1))}`);
    for (const i of c.added) await write(`M 100644 inline ${filePath(i).slice(1)}\n${data(fileContent(i))}`);
    for (const i of c.deleted) await write(`D ${filePath(i).slice(1)}\n`);
  }
  await flush();
  child.stdin.end();
  await done;
}

export interface CallTime {
  /** Milliseconds from the call to its last response, seen by the client. */
  roundTripMs: number;
  /** Milliseconds the daemon reported spending on it. */
  serverMs: number;
}

function serverMs(metadata: Metadata): number {
  const v = metadata.get('tusk-server-ms')[0];
  if (v === undefined) throw new Error('the daemon sent no tusk-server-ms trailer');
  return Number(v);
}

/** Times one unary call made through a generated client method. */
export function timeUnary(call: (cb: (err: ServiceError | null) => void) => ClientUnaryCall): Promise<CallTime> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    let roundTripMs = -1;
    let failed: ServiceError | null = null;
    const c = call((err) => {
      roundTripMs = Number(process.hrtime.bigint() - start) / 1e6;
      failed = err;
    });
    c.on('status', (status: { metadata: Metadata }) => {
      // 'status' follows the callback
      setImmediate(() => (failed ? reject(failed) : resolve({ roundTripMs, serverMs: serverMs(status.metadata) })));
    });
  });
}

/** Times one server-streaming call, reading every message; returns the time and the messages. */
export async function timeStream<T>(open: () => AsyncIterable<T> & { on(event: 'status', l: (s: { metadata: Metadata }) => void): unknown }): Promise<CallTime & { items: T[] }> {
  const start = process.hrtime.bigint();
  const stream = open();
  const status = new Promise<Metadata>((resolve) => stream.on('status', (s) => resolve(s.metadata)));
  const items: T[] = [];
  for await (const m of stream) items.push(m);
  const roundTripMs = Number(process.hrtime.bigint() - start) / 1e6;
  return { roundTripMs, serverMs: serverMs(await status), items };
}
