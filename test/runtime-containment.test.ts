// End to end (issue 18 points 2, 3, 4, 8, 9): one real tuskd with the local
// runtime, started with secrets in its environment and small worker limits.
// User code sees none of the daemon's secrets, address or home (so nothing
// points it at the daemon's API) and no host homes; a lost worker costs a try
// only to the datum it was running (the first it was given, or one after
// others were done); a parallelism over the limits is refused at create pipeline; and after a
// kill -9 of tuskd no worker, sidecar or user process of it remains, and the
// restarted daemon refuses a worker it did not start.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PpsClient, TuskClient } from '../src/client/index.js';
import { ROOT, startDaemon, type DaemonHandle } from './helpers/daemon.js';
import { expectError, tusk as run } from './helpers/tusk-cli.js';
import { startWorkerProcesses } from './helpers/worker-processes.js';

const SECRETS = { TUSK_S3_ACCESS_KEY_ID: 'gateway-key', TUSK_S3_SECRET_ACCESS_KEY: 'gateway-secret-xyz', AWS_SECRET_ACCESS_KEY: 'aws-secret-xyz', AWS_ACCESS_KEY_ID: 'aws-key' };
const LIMITS = { TUSK_MAX_WORKERS: '4', TUSK_MAX_WORKERS_PER_PIPELINE: '3' };

let daemon: DaemonHandle;
let pfs: TuskClient;
let pps: PpsClient;
let work: string;

beforeAll(async () => {
  daemon = await startDaemon({ env: { ...SECRETS, ...LIMITS } });
  pfs = new TuskClient(daemon.address);
  pps = new PpsClient(daemon.address);
  work = await mkdtemp(join(tmpdir(), 'tusk-containment-'));
});
afterAll(async () => {
  pfs?.close();
  pps?.close();
  await daemon?.stop();
  await rm(work, { recursive: true, force: true });
});

const tusk = (args: string[]) => run(args, { env: daemon.env, timeoutMs: 60_000 });

async function text(it: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const p of it) parts.push(Buffer.from(p));
  return Buffer.concat(parts).toString();
}

/** Waits for the job the pipeline's creation started and returns it finished. */
async function finishedJob(pipeline: string) {
  const [job] = await pps.listJobs(pipeline);
  return pps.inspectJob(pipeline, job!.id, true);
}

/** PIDs of user processes whose command line holds `marker`. */
function pidsOf(marker: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', marker], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The worker_started log lines of a daemon: worker and sidecar PIDs, worker IDs. */
function workersOf(d: DaemonHandle, pipeline?: string): { worker: string; pid: number; sidecarPid: number; pipeline: string }[] {
  return d
    .logs()
    .split('\n')
    .filter((l) => l.includes('"worker_started"'))
    .map((l) => JSON.parse(l) as { worker: string; pid: number; sidecarPid: number; pipeline: string })
    .filter((w) => pipeline === undefined || w.pipeline === pipeline);
}

/** True while the process exists and is not a zombie. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

describe('what user code gets', () => {
  it('sees only its allowed variables, no host homes or checkout, and cannot easily reach the daemon', async () => {
    await pfs.createRepo('peek');
    await pfs.putFile('peek@master', '/a', Buffer.from('a'));
    await pps.createPipeline(JSON.stringify({
      pipeline: { name: 'peeker' },
      input: { pfs: { repo: 'peek', glob: '/*' } },
      transform: {
        cmd: ['sh', '-c', [
          'env > /pfs/out/env',
          'ls / > /pfs/out/top',
          `for p in /root /home ${ROOT}test ${ROOT}.git ${daemon.home}; do [ -e "$p" ] && echo "$p"; done > /pfs/out/visible; true`,
        ].join('; ')],
        env: { MODE: 'fast' },
      },
    }));
    const job = await finishedJob('peeker');
    expect(job.state, job.reason).toBe('success');
    const env = (await text(pfs.getFile('peeker@master:/env'))).split('\n');
    const names = env.map((l) => l.slice(0, l.indexOf('=')));
    for (const secret of [...Object.keys(SECRETS), 'TUSK_ADDRESS', 'PACH_ADDRESS', 'TUSK_HOME', 'TUSK_STORAGE', 'TUSK_MAX_WORKERS']) expect(names, secret).not.toContain(secret);
    expect(env.join('\n')).not.toMatch(/secret-xyz/);
    expect(env).toContain('MODE=fast');
    expect(env).toContain('TUSK_PFS=/pfs');
    expect(names).toContain('PACH_JOB_ID');
    expect(names).toContain('PATH');
    expect(await text(pfs.getFile('peeker@master:/visible'))).toBe('');
    const top = (await text(pfs.getFile('peeker@master:/top'))).trim().split('\n');
    expect(top).toEqual(expect.arrayContaining(['usr', 'etc', 'pfs', 'tmp']));
    for (const hidden of ['root', 'home', 'srv', 'mnt', 'var']) expect(top).not.toContain(hidden);
  });
});

describe('a worker lost mid-datum', () => {
  /** A repo of six files and a pipeline copying each, one second a datum; its code's command line holds `marker`. */
  async function sixSlowDatums(repo: string, pipeline: string, marker: string): Promise<void> {
    await pfs.createRepo(repo);
    const w = await pfs.modifyFile(`${repo}@master`);
    for (const n of ['1', '2', '3', '4', '5', '6']) await w.putFile(`/${n}`, Buffer.from(`n${n}`));
    await w.close();
    await pps.createPipeline(JSON.stringify({
      pipeline: { name: pipeline },
      input: { pfs: { repo, glob: '/*' } },
      transform: { cmd: ['sh', '-c', `sleep 1; cp "$${repo}" /pfs/out/ # ${marker}`] },
    }));
  }

  /** Each datum's tries in the job, sorted. */
  async function triesOf(pipeline: string, job: string): Promise<number[]> {
    const tries = [];
    for await (const d of pps.listDatums(pipeline, job)) tries.push(d.tries);
    return tries.sort();
  }

  it('costs a try only to the datum it was running; the datums fetched ahead go back untouched', async () => {
    await sixSlowDatums('six', 'sixer', 'tusk-lost-datum');
    expect(await until(() => pidsOf('tusk-lost-datum').length > 0, 30_000)).toBe(true);
    process.kill(workersOf(daemon, 'sixer')[0]!.pid, 'SIGKILL');
    const job = await finishedJob('sixer');
    expect(job.state, job.reason).toBe('success');
    expect(await triesOf('sixer', job.id)).toEqual([1, 1, 1, 1, 1, 2]);
  });

  it('after some datums are done, costs a try only to the one then running, not to those done before it', async () => {
    await sixSlowDatums('later', 'laterer', 'tusk-later-datum');
    const [job] = await pps.listJobs('laterer');
    // Two datums are in, and the code of a later one runs: the worker goes.
    expect(await until(() => pidsOf('tusk-later-datum').length > 0, 30_000)).toBe(true);
    const deadline = Date.now() + 30_000;
    while (Number((await pps.inspectJob('laterer', job!.id)).datums?.processed ?? 0) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await until(() => pidsOf('tusk-later-datum').length > 0, 30_000)).toBe(true);
    process.kill(workersOf(daemon, 'laterer')[0]!.pid, 'SIGKILL');
    const done = await pps.inspectJob('laterer', job!.id, true);
    expect(done.state, done.reason).toBe('success');
    expect(await triesOf('laterer', job!.id)).toEqual([1, 1, 1, 1, 1, 2]);
    // Its worker goes with it: the worker limits below count only peeker's and sixer's.
    await pps.deletePipeline('laterer');
  });
});

describe('worker limits', () => {
  it('refuses a parallelism over the per-pipeline or the total limit at create pipeline, naming the field and the limit', async () => {
    await pfs.createRepo('many');
    const spec = async (name: string, n: number) => {
      const path = join(work, `${name}.json`);
      await writeFile(path, JSON.stringify({ pipeline: { name }, input: { pfs: { repo: 'many', glob: '/*' } }, transform: { cmd: ['true'] }, parallelism_spec: { constant: n } }));
      return path;
    };
    const huge = await tusk(['create', 'pipeline', '-f', await spec('huge', 1_000_000)]);
    expectError(huge, /parallelism_spec\.constant: 1000000 is over this daemon's limit of 3 workers per pipeline/);
    // peeker and sixer hold one worker each: 3 more would make 5 of 4.
    const over = await tusk(['create', 'pipeline', '-f', await spec('three', 3)]);
    expectError(over, /parallelism_spec\.constant: 3 more workers would make 5 in all, over this daemon's limit of 4 workers/);
    const fits = await tusk(['create', 'pipeline', '-f', await spec('two', 2)]);
    expect(fits.code, fits.stderr).toBe(0);
    expect((await pps.listPipelines()).map((p) => p.name).sort()).toEqual(['peeker', 'sixer', 'two']);
    expect(await until(() => workersOf(daemon, 'two').length === 2, 20_000)).toBe(true);
    await pps.deletePipeline('two');
  });
});

describe('tuskd killed with -9', () => {
  it('takes its workers, sidecars and user processes with it, and a restarted daemon refuses a worker it did not start', async () => {
    await pfs.createRepo('long');
    await pfs.putFile('long@master', '/x', Buffer.from('x'));
    await pps.createPipeline(JSON.stringify({
      pipeline: { name: 'longer' },
      input: { pfs: { repo: 'long', glob: '/*' } },
      transform: { cmd: ['sh', '-c', 'sleep 600 # tusk-orphan-datum'] },
    }), { update: false });
    expect(await until(() => pidsOf('tusk-orphan-datum').length > 0, 30_000)).toBe(true);
    const pids = workersOf(daemon).flatMap((w) => [w.pid, w.sidecarPid]).filter((pid) => alive(pid));
    expect(pids.length).toBeGreaterThanOrEqual(2);
    const oldWorker = workersOf(daemon, 'longer')[0]!.worker;
    await daemon.kill();
    const gone = await until(() => pids.every((pid) => !alive(pid)) && pidsOf('tusk-orphan-datum').length === 0, 10_000);
    expect(gone, `still running: ${pids.filter(alive).join(' ')} ${pidsOf('tusk-orphan-datum').join(' ')}`).toBe(true);

    daemon = await startDaemon({ home: daemon.home, env: { ...SECRETS, ...LIMITS } });
    pfs.close();
    pps.close();
    pfs = new TuskClient(daemon.address);
    pps = new PpsClient(daemon.address);
    // A process of the earlier daemon (here: one started by hand with its worker ID) gets no work and exits.
    const stray = await startWorkerProcesses(daemon.address, { pipeline: 'longer', env: { TUSK_WORKER_ID: oldWorker, TUSK_SANDBOX: 'off' } });
    try {
      expect(await until(() => stray.worker.exitCode !== null, 20_000), stray.logs()).toBe(true);
      expect(stray.worker.exitCode).toBe(1);
      expect(daemon.logs()).toContain('"worker_refused"');
    } finally {
      await stray.stop();
    }
  });
});
