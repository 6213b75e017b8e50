// The worker process (`node dist/worker/main.js`), started by the runtime after
// its sidecar, with TUSK_ADDRESS, TUSK_PIPELINE, TUSK_WORKER_ID,
// TUSK_WORKER_DIR, TUSK_SIDECAR_SOCKET and TUSK_PFS (TUSK_SANDBOX=off skips
// bubblewrap; TUSK_DAEMON_GRACE_MS shortens the 30 s grace, for tests). Logs JSON lines on stderr; exits on SIGTERM, when the daemon is
// gone for 30 s, or with status 1 when its sidecar or sandbox is lost (the
// runtime then starts it again and the coordinator re-queues its tasks).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WorkerClient } from '../src/client/index.js';
import { daemonGraceMs, jsonLogger } from '../src/worker-protocol/index.js';
import { Worker } from './worker.js';

const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

async function main(env: NodeJS.ProcessEnv): Promise<number> {
  const missing = ['TUSK_ADDRESS', 'TUSK_PIPELINE', 'TUSK_WORKER_ID', 'TUSK_WORKER_DIR'].filter((n) => !env[n]);
  const log = jsonLogger(undefined, { process: 'worker', pipeline: env.TUSK_PIPELINE ?? '', worker: env.TUSK_WORKER_ID ?? '' });
  if (missing.length > 0) {
    log.log('error', 'worker_missing_env', { missing });
    return 2;
  }
  const workerDir = env.TUSK_WORKER_DIR!;
  const client = new WorkerClient(env.TUSK_ADDRESS!);
  const api = {
    register: (p: string, w: string) => client.register(p, w),
    nextTasks: (p: string, w: string, max: number, waitMs: number, knownVersion: number) => client.nextTasks(p, w, max, waitMs, knownVersion),
    report: (p: string, w: string, results: Parameters<WorkerClient['report']>[2]) => client.report(p, w, results),
  };
  const worker = await Worker.start(
    {
      pipeline: env.TUSK_PIPELINE!,
      worker: env.TUSK_WORKER_ID!,
      workerDir,
      sidecarSocket: env.TUSK_SIDECAR_SOCKET || join(workerDir, 'sidecar.sock'),
      pfs: env.TUSK_PFS || join(workerDir, 'pfs'),
      sandbox: env.TUSK_SANDBOX === 'off' ? 'off' : 'auto',
      packageRoot: PACKAGE_ROOT.replace(/\/$/, ''),
      cwd: process.cwd(),
      processEnv: env,
      daemonGraceMs: daemonGraceMs(env),
    },
    api,
    log,
  );
  process.on('SIGTERM', () => void worker.stop('SIGTERM'));
  process.on('SIGINT', () => void worker.stop('SIGINT'));
  await worker.run();
  client.close();
  log.log('info', 'worker_stopped', { reason: worker.endReason });
  return worker.failed ? 1 : 0;
}

main(process.env).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(JSON.stringify({ time: new Date().toISOString(), level: 'error', event: 'worker_failed', message: (err as Error).message, stack: (err as Error).stack }) + '\n');
    process.exit(1);
  },
);
