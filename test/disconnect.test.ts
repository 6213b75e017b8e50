// Clients that go away mid-upload, and clients that write at the same time,
// against a real tuskd: a write is all or nothing, and an open commit takes
// writes from several clients at once.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TuskClient } from '../src/client/index.js';
import { startDaemon, type DaemonHandle } from './helpers/daemon.js';
import { TUSK } from './helpers/tusk-cli.js';

let daemon: DaemonHandle;
let client: TuskClient;

beforeAll(async () => {
  daemon = await startDaemon();
  client = new TuskClient(daemon.address);
});

afterAll(async () => {
  client?.close();
  await daemon?.stop();
});

async function bytesOf(file: string, c = client): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const p of c.getFile(file)) parts.push(p);
  return Buffer.concat(parts);
}

async function paths(ref: string): Promise<string[]> {
  const out: string[] = [];
  for await (const f of client.globFile(ref, '/**')) if (f.type === 'file') out.push(f.path);
  return out;
}

async function errorOf(p: Promise<unknown>): Promise<{ code?: string; message?: string }> {
  try {
    await p;
  } catch (err) {
    return err as { code?: string; message?: string };
  }
  throw new Error('expected the call to fail');
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** What a reader sees of an open commit: its record's content fields and every file's bytes. */
async function snapshot(repo: string, id: string) {
  const commit = await client.inspectCommit(`${repo}@${id}`);
  const files: Record<string, string> = {};
  for await (const f of client.globFile(`${repo}@${id}`, '/**')) if (f.type === 'file') files[f.path] = sha(await bytesOf(`${repo}@${id}:${f.path}`));
  return { tree: commit.tree, sizeBytes: commit.sizeBytes, fileCount: commit.fileCount, finished: commit.finished, files };
}

/** Lets a little time pass so the daemon sees a cancelled stream (nothing to wait on from outside). */
const settle = () => new Promise((r) => setTimeout(r, 500));

describe('a client that goes away mid-upload', () => {
  it('leaves the open commit exactly as it was, with no partial file visible (client cancels)', async () => {
    await client.createRepo('cancel');
    await client.putFile('cancel@master', '/a.txt', Buffer.from('first commit'));
    const open = await client.startCommit('cancel@master');
    await client.putFile(`cancel@${open.id}`, '/b.txt', Buffer.from('written to the open commit'));
    const before = await snapshot('cancel', open.id);
    expect(Object.keys(before.files)).toEqual(['/a.txt', '/b.txt']);

    const writer = await client.modifyFile(`cancel@${open.id}`);
    await writer.putFile('/small.txt', Buffer.from('a whole small file, sent before the big one'));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let sent = 0;
    const big = (async function* () {
      for (; sent < 6; sent++) yield randomBytes(1 << 20);
      await gate;
      yield randomBytes(1 << 20);
    })();
    const upload = writer.putFile('/big.bin', big).catch((err) => err);
    while (sent < 6) await new Promise((r) => setTimeout(r, 20));
    await settle();
    writer.abort();
    release();
    expect(await upload).toMatchObject({ code: 'Cancelled' });
    await settle();

    expect(await snapshot('cancel', open.id)).toEqual(before);
    for (const path of ['/small.txt', '/big.bin']) {
      const err = await errorOf(bytesOf(`cancel@${open.id}:${path}`));
      expect(err.code).toBe('FileNotFound');
      expect(err.message).toBe(`file "${path}" not found in cancel@${open.id}`);
    }
    // The commit still takes writes and finishes with exactly what was written to it.
    await client.putFile(`cancel@${open.id}`, '/c.txt', Buffer.from('after'));
    await client.finishCommit(`cancel@${open.id}`);
    expect(await paths('cancel@master')).toEqual(['/a.txt', '/b.txt', '/c.txt']);
  });

  it('leaves the open commit as it was when a tusk put file process is killed mid-stream', async () => {
    await client.createRepo('killed');
    const open = await client.startCommit('killed@master');
    await client.putFile(`killed@${open.id}`, '/kept.txt', Buffer.from('kept'));
    const before = await snapshot('killed', open.id);

    const cli = spawn(process.execPath, [TUSK, 'put', 'file', `killed@${open.id}:/stdin.bin`, '-f', '-'], { env: daemon.env, stdio: ['pipe', 'ignore', 'ignore'] });
    const exited = new Promise((r) => cli.once('exit', r));
    cli.stdin.on('error', () => {});
    for (let i = 0; i < 8; i++) {
      if (!cli.stdin.write(randomBytes(512 * 1024))) await new Promise((r) => cli.stdin.once('drain', r));
    }
    await settle();
    cli.kill('SIGKILL');
    await exited;
    await settle();

    expect(await snapshot('killed', open.id)).toEqual(before);
    const err = await errorOf(bytesOf(`killed@${open.id}:/stdin.bin`));
    expect(err.code).toBe('FileNotFound');
    expect(err.message).toBe(`file "/stdin.bin" not found in killed@${open.id}`);
  });

  it('applies nothing when the client goes away between whole files, before closing the stream', async () => {
    await client.createRepo('between');
    const open = await client.startCommit('between@master');
    await client.putFile(`between@${open.id}`, '/kept.txt', Buffer.from('kept'));
    const before = await snapshot('between', open.id);

    // Cancelled by the client.
    const writer = await client.modifyFile(`between@${open.id}`);
    await writer.putFile('/whole-1.txt', Buffer.from('complete'));
    await writer.putFile('/whole-2.bin', randomBytes((1 << 20) + 1)); // streamed, and sends the batch before it
    await settle();
    writer.abort();
    await settle();
    expect(await snapshot('between', open.id)).toEqual(before);

    // A process killed after sending whole files.
    const script = `
      const { TuskClient } = await import(${JSON.stringify(new URL('../dist/src/client/index.js', import.meta.url).href)});
      const w = await new TuskClient(process.argv[1]).modifyFile(process.argv[2]);
      await w.putFile('/whole-3.txt', Buffer.from('complete'));
      await w.putFile('/whole-4.bin', Buffer.alloc((1 << 20) + 1, 7));
      setTimeout(() => process.stdout.write('sent'), 300);
      setTimeout(() => {}, 60000);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, daemon.address, `between@${open.id}`], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((r) => child.once('exit', r));
    await new Promise<void>((resolve, reject) => {
      child.stdout!.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`the writing process exited (${code}) before it had sent its files`)));
    });
    child.kill('SIGKILL');
    await exited;
    await settle();
    expect(await snapshot('between', open.id)).toEqual(before);
  });
});

describe('two clients writing to one open commit at once', () => {
  it('both land, small files and streamed ones', async () => {
    await client.createRepo('two');
    const open = await client.startCommit('two@master');
    const clients = [new TuskClient(daemon.address), new TuskClient(daemon.address)];
    try {
      const expected: Record<string, string> = {};
      const writers = await Promise.all(clients.map((c) => c.modifyFile(`two@${open.id}`)));
      await Promise.all(
        writers.map(async (w, k) => {
          for (let i = 0; i < 300; i++) {
            const data = Buffer.from(`client ${k} file ${i}\n`);
            expected[`/c${k}/f${String(i).padStart(3, '0')}.txt`] = sha(data);
            await w.putFile(`/c${k}/f${String(i).padStart(3, '0')}.txt`, data);
            if (i === 150) {
              const big = randomBytes(3 * 1024 * 1024 + k);
              expected[`/c${k}/big.bin`] = sha(big);
              await w.putFile(`/c${k}/big.bin`, (async function* () {
                for (let at = 0; at < big.length; at += 1 << 20) yield big.subarray(at, at + (1 << 20));
              })());
            }
          }
        }),
      );
      const results = await Promise.all(writers.map((w) => w.close()));
      expect(results.map((r) => r.filesWritten)).toEqual([301, 301]);
      await client.finishCommit(`two@${open.id}`);
      const got = await snapshot('two', open.id);
      expect(got.files).toEqual(Object.fromEntries(Object.entries(expected).sort(([a], [b]) => (a < b ? -1 : 1))));
      expect(got.fileCount).toBe(602);
    } finally {
      for (const c of clients) c.close();
    }
  });
});
