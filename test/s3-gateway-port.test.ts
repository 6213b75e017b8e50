// tuskd started with --s3-port 0 picks a free port for the gateway and reports
// it like its other ports (the daemon_started log line and tuskd.json); with
// TUSK_S3_ANONYMOUS=true and no key pair it serves unsigned requests; with
// neither, a refusal says how to give it a key.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { expect, it } from 'vitest';
import { TUSKD } from './helpers/daemon.js';

/** Starts tuskd on free ports with `extra` in its environment and no S3 key pair; returns its S3 port and a stop function. */
async function startBare(extra: Record<string, string>): Promise<{ s3Port: number; home: string; stop(): Promise<void> }> {
  const home = await mkdtemp(join(tmpdir(), 'tusk-s3-port-'));
  const env: Record<string, string | undefined> = { ...process.env, TUSK_HOME: home, TUSK_RUNTIME: 'none', ...extra };
  delete env.TUSK_S3_ACCESS_KEY_ID;
  delete env.TUSK_S3_SECRET_ACCESS_KEY;
  const child = spawn(process.execPath, [TUSKD, '--home', home, '--port', '0', '--http-port', '0', '--s3-port', '0'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
    await rm(home, { recursive: true, force: true });
  };
  try {
    const started = await new Promise<{ s3Port: number }>((resolve, reject) => {
      createInterface({ input: child.stderr! }).on('line', (line) => {
        const event = JSON.parse(line) as { event: string; s3Port: number };
        if (event.event === 'daemon_started') resolve(event);
      });
      child.once('exit', (code) => reject(new Error(`tuskd exited (${code}) before it started`)));
    });
    return { s3Port: started.s3Port, home, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

it('without a key pair or anonymous access, a refused request says how to give tuskd a key', async () => {
  const d = await startBare({});
  try {
    const refused = await fetch(`http://127.0.0.1:${d.s3Port}/`);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toMatch(/<Code>AccessDenied<\/Code><Message>anonymous access is off: tuskd has no S3 key: start it with TUSK_S3_ACCESS_KEY_ID and TUSK_S3_SECRET_ACCESS_KEY set/);
  } finally {
    await d.stop();
  }
});

it('--s3-port 0: the gateway listens on a free port that tuskd reports; anonymous access when switched on', async () => {
  const d = await startBare({ TUSK_S3_ANONYMOUS: 'true' });
  try {
    expect(d.s3Port).toBeGreaterThan(0);
    const info = JSON.parse(await readFile(join(d.home, 'tuskd.json'), 'utf8')) as { s3Port: number };
    expect(info.s3Port).toBe(d.s3Port);
    const created = await fetch(`http://127.0.0.1:${d.s3Port}/master.anon`, { method: 'PUT' });
    expect(created.status).toBe(200);
    const put = await fetch(`http://127.0.0.1:${d.s3Port}/master.anon/hello.txt`, { method: 'PUT', body: 'hello' });
    expect(put.status).toBe(200);
    const got = await fetch(`http://127.0.0.1:${d.s3Port}/master.anon/hello.txt`);
    expect(await got.text()).toBe('hello');
  } finally {
    await d.stop();
  }
});
