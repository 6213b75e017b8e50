// The worker process (`node dist/worker/main.js`), started by the runtime after
// its sidecar, with TUSK_ADDRESS, TUSK_PIPELINE, TUSK_WORKER_ID,
// TUSK_WORKER_DIR, TUSK_SIDECAR_SOCKET and TUSK_PFS (in a pod, TUSK_WORKER_POD
// instead of TUSK_WORKER_ID; TUSK_SANDBOX picks the
// sandbox: auto, bwrap, unshare or off; TUSK_ISOLATE_NETWORK=true gives code no
// network; TUSK_DAEMON_GRACE_MS shortens the 30 s grace, for tests; TUSK_RUNNING_MARK, from the local
// runtime, is the file naming the datum running, which lets it tell starts in groups: start-teller.ts). Logs JSON lines on stderr; exits on SIGTERM, when the daemon is
// gone for 30 s, or with status 1 when its sidecar or sandbox is lost (the
// runtime then starts it again and the coordinator re-queues its tasks).
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WorkerClient, runtimeToken, tlsCa } from '../src/client/index.js';
import { daemonGraceMs, jsonLogger, watchLifeline } from '../src/worker-protocol/index.js';
import type { SandboxMode } from './sandbox.js';
import { Worker } from './worker.js';

const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

async function main(env: NodeJS.ProcessEnv): Promise<number> {
  // In a Kubernetes pod the worker is named after the pod plus a fresh suffix per container start:
  // worker IDs are never reused, and the runtime reports a lost pod, which covers all of them.
  if (!env.TUSK_WORKER_ID && env.TUSK_WORKER_POD) env = { ...env, TUSK_WORKER_ID: `${env.TUSK_WORKER_POD}/${randomBytes(4).toString('hex')}` };
  const missing = ['TUSK_ADDRESS', 'TUSK_PIPELINE', 'TUSK_WORKER_ID', 'TUSK_WORKER_DIR'].filter((n) => !env[n]);
  const log = jsonLogger(undefined, { process: 'worker', pipeline: env.TUSK_PIPELINE ?? '', worker: env.TUSK_WORKER_ID ?? '' });
  if (missing.length > 0) {
    log.log('error', 'worker_missing_env', { missing });
    return 2;
  }
  const workerDir = env.TUSK_WORKER_DIR!;
  // The daemon is gone (even by kill -9): stop now, and exit whatever is still in flight shortly after.
  let worker: Worker | undefined;
  watchLifeline(env, () => {
    log.log('info', 'worker_orphaned', { reason: 'the daemon is gone (its pipe closed)' });
    setTimeout(() => process.exit(1), 4_000).unref();
    if (worker) void worker.stop('the daemon is gone (its pipe closed)', true);
    else process.exit(1);
  });
  const token = await runtimeToken(env);
  const client = new WorkerClient(env.TUSK_ADDRESS!, { token, ca: tlsCa(env) });
  // One stream carries every datum's Started (an older daemon gets unary calls: started-stream.ts).
  const starts = client.startedStream(env.TUSK_PIPELINE!, env.TUSK_WORKER_ID!);
  const api = {
    register: (p: string, w: string) => client.register(p, w),
    nextTasks: (p: string, w: string, max: number, waitMs: number, knownVersion: number) => client.nextTasks(p, w, max, waitMs, knownVersion),
    report: (p: string, w: string, results: Parameters<WorkerClient['report']>[2], logs?: Parameters<WorkerClient['report']>[3]) => client.report(p, w, results, logs),
    started: (_p: string, _w: string, job: string, datum: string) => starts.started(job, datum),
    startedAhead: (_p: string, _w: string, datums: readonly { job: string; datum: string }[]) => starts.startedAhead(datums),
  };
  worker = await Worker.start(
    {
      pipeline: env.TUSK_PIPELINE!,
      worker: env.TUSK_WORKER_ID!,
      workerDir,
      sidecarSocket: env.TUSK_SIDECAR_SOCKET || join(workerDir, 'sidecar.sock'),
      pfs: env.TUSK_PFS || join(workerDir, 'pfs'),
      sandbox: sandboxMode(env.TUSK_SANDBOX),
      isolateNetwork: env.TUSK_ISOLATE_NETWORK === 'true',
      packageRoot: PACKAGE_ROOT.replace(/\/$/, ''),
      cwd: process.cwd(),
      processEnv: env,
      daemonGraceMs: daemonGraceMs(env),
      // Only a spout's code gets these (its pachctl put file talks to the daemon as the pipeline).
      spoutEnv: { TUSK_ADDRESS: env.TUSK_ADDRESS!, ...(token ? { TUSK_AUTH_TOKEN: token } : {}) },
      ...(env.TUSK_RUNNING_MARK ? { runningMark: env.TUSK_RUNNING_MARK } : {}),
    },
    api,
    log,
  );
  const started = worker;
  process.on('SIGTERM', () => void started.stop('SIGTERM'));
  process.on('SIGINT', () => void started.stop('SIGINT'));
  await started.run();
  starts.close();
  client.close();
  log.log('info', 'worker_stopped', { reason: started.endReason });
  return started.failed ? 1 : 0;
}

function sandboxMode(text: string | undefined): SandboxMode {
  return text === 'off' || text === 'bwrap' || text === 'unshare' ? text : 'auto';
}

main(process.env).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(JSON.stringify({ time: new Date().toISOString(), level: 'error', event: 'worker_failed', message: (err as Error).message, stack: (err as Error).stack }) + '\n');
    process.exit(1);
  },
);
