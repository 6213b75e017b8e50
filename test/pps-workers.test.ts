// Real worker and sidecar processes started by a real tuskd (the local
// runtime): a worker killed in the middle of a datum is replaced, the datum is
// retried, and the job's output is what an undisturbed run gives; user code
// that writes outside /pfs/out fails its datum without hurting anything else.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PpsClient, TuskClient } from '../src/client/index.js';
import { startDaemon, type DaemonHandle } from './helpers/daemon.js';

let daemon: DaemonHandle;
let pfs: TuskClient;
let pps: PpsClient;

beforeAll(async () => {
  daemon = await startDaemon();
  pfs = new TuskClient(daemon.address);
  pps = new PpsClient(daemon.address);
});
afterAll(async () => {
  pfs?.close();
  pps?.close();
  await daemon?.stop();
});

async function text(it: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const p of it) parts.push(Buffer.from(p));
  return Buffer.concat(parts).toString();
}

function running(marker: string): boolean {
  try {
    return execFileSync('pgrep', ['-f', marker], { encoding: 'utf8' }).trim() !== '';
  } catch {
    return false;
  }
}

function workerPids(pipeline: string): number[] {
  return daemon
    .logs()
    .split('\n')
    .filter((l) => l.includes('"worker_started"') && l.includes(`"pipeline":"${pipeline}"`))
    .map((l) => (JSON.parse(l) as { pid: number }).pid);
}

describe('workers', () => {
  it('replaces a worker killed mid-datum and retries the datum; the output matches an undisturbed run', async () => {
    await pfs.createRepo('slow');
    const w = await pfs.modifyFile('slow@master');
    for (const n of ['1', '2', '3']) await w.putFile(`/${n}`, Buffer.from(`n${n}`));
    const commit = (await w.close()).commit!;
    await pps.createPipeline(JSON.stringify({
      pipeline: { name: 'sleepy' },
      input: { pfs: { repo: 'slow', glob: '/*' } },
      transform: { cmd: ['sh', '-c', 'sleep 1; tr a-z A-Z < "$slow" > /pfs/out/$(basename "$slow") # tusk-slow-datum'] },
    }));
    const [job] = await pps.listJobs('sleepy');
    // Wait until the worker's code is running a datum (its shell is visible), then kill the worker.
    const deadline = Date.now() + 20_000;
    while (!running('tusk-slow-datum') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const [pid] = workerPids('sleepy');
    process.kill(pid!, 'SIGKILL');
    const done = await Promise.race([
      pps.inspectJob('sleepy', job!.id, true),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`job did not finish:\n${daemon.logs()}`)), 40_000)),
    ]);
    expect(done.state).toBe('success');
    expect(done.datums).toMatchObject({ total: 3, processed: 3, failed: 0 });
    expect(workerPids('sleepy').length).toBeGreaterThanOrEqual(2);
    for (const n of ['1', '2', '3']) expect(await text(pfs.getFile(`sleepy@master:/${n}`))).toBe(`N${n}`);
    const datums = [];
    for await (const d of pps.listDatums('sleepy', job!.id)) datums.push(d);
    expect(datums.map((d) => d.tries), JSON.stringify(datums.map((d) => [d.state, d.tries]))).toContain(2);
    expect(commit.id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('fails a datum whose code writes outside /pfs/out, and the daemon keeps serving', async () => {
    await pfs.createRepo('esc');
    await pfs.putFile('esc@master', '/x', Buffer.from('x'));
    await pps.createPipeline(JSON.stringify({
      pipeline: { name: 'escape' },
      input: { pfs: { repo: 'esc', glob: '/*' } },
      transform: { cmd: ['sh', '-c', 'echo owned > /etc/tusk-escape'] },
      datum_tries: 1,
    }));
    const [job] = await pps.listJobs('escape');
    const done = await pps.inspectJob('escape', job!.id, true);
    expect(done.state).toBe('failure');
    expect(done.reason).toMatch(/failed/);
    expect((await pfs.listRepos()).map((r) => r.name)).toContain('esc');
  });
});
