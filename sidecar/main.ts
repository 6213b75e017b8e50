// The sidecar process (`node dist/sidecar/main.js`), one beside each worker:
// it listens on $TUSK_SIDECAR_SOCKET for the worker's requests, fetches datum
// inputs from tuskd ($TUSK_ADDRESS) into $TUSK_PFS and uploads what user code
// wrote to $TUSK_PFS/out. It outlives worker restarts, and exits on SIGTERM,
// when the daemon's pipe on its stdin ends (TUSK_LIFELINE=stdin), or once the
// daemon has been unreachable for 30 s (TUSK_DAEMON_GRACE_MS). Datums are
// staged in $TUSK_STAGE (default $TUSK_WORKER_DIR/stage), which must be on the
// same mount as $TUSK_PFS. TUSK_SHARED_PFS=true (in a pod): everything it makes
// there is open to every user (the code may run under any uid).
import { mkdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { TuskClient, WorkerClient, runtimeToken, tlsCa } from '../src/client/index.js';
import { DaemonWatch, daemonGraceMs, jsonLogger, probeChannel, serveSidecar, watchLifeline } from '../src/worker-protocol/index.js';
import { DatumArea } from './datum-area.js';
import { Limit } from './serial.js';
import { sidecarHandlers } from './server.js';

/** Input files fetched at once, over all datums being prepared. */
const FETCH_PARALLEL = 8;

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) {
    process.stderr.write(JSON.stringify({ time: new Date().toISOString(), level: 'error', event: 'sidecar_missing_env', name }) + '\n');
    process.exit(2);
  }
  return value;
}

async function main(env: NodeJS.ProcessEnv): Promise<void> {
  const address = required(env, 'TUSK_ADDRESS');
  const workerDir = required(env, 'TUSK_WORKER_DIR');
  const socketPath = env.TUSK_SIDECAR_SOCKET || join(workerDir, 'sidecar.sock');
  const pfs = env.TUSK_PFS || join(workerDir, 'pfs');
  const log = jsonLogger(undefined, { process: 'sidecar', pipeline: env.TUSK_PIPELINE ?? '', worker: env.TUSK_WORKER_ID ?? '' });

  // In a pod (TUSK_SHARED_PFS=true, set by the Kubernetes workload) the code runs as its image's user, any uid, and
  // this sidecar as root: what it makes (its socket, the folders and files under /pfs) is open to every user, so the
  // code can write /pfs/out and its worker can reach the socket and switch datums; root collects whatever it wrote.
  if (env.TUSK_SHARED_PFS === 'true') process.umask(0);
  const token = await runtimeToken(env);
  const ca = tlsCa(env);
  const files = new TuskClient(address, { token, ca });
  const outputs = new WorkerClient(address, { token, ca });
  // The stage must be on the same mount as $TUSK_PFS (datums are switched by renames): in a pod, inside the /pfs volume.
  const stage = env.TUSK_STAGE || join(workerDir, 'stage');
  const area = new DatumArea(pfs, stage, files, outputs, new Limit(FETCH_PARALLEL));
  await mkdir(dirname(socketPath), { recursive: true });
  await area.reset();
  await rm(socketPath, { force: true });

  const server = createServer();
  serveSidecar(server, sidecarHandlers(area, log), (line) => log.log('warn', 'sidecar_bad_frame', { line: line.slice(0, 200) }));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, resolve);
  });
  log.log('info', 'sidecar_started', { socket: socketPath, pfs, pid: process.pid });

  let stopping = false;
  const stop = (reason: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    log.log('info', 'sidecar_stopping', { reason });
    stopProbe();
    server.close();
    files.close();
    outputs.close();
    rm(socketPath, { force: true }).finally(() => process.exit(code));
    setTimeout(() => process.exit(code), 2_000).unref();
  };
  const graceMs = daemonGraceMs(env);
  const stopProbe = probeChannel(outputs.worker, new DaemonWatch(graceMs), () => stop(`daemon unreachable for ${graceMs / 1000}s`), Math.min(5_000, graceMs));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  watchLifeline(env, () => stop('the daemon is gone (its pipe closed)', 1));
}

main(process.env).catch((err) => {
  process.stderr.write(JSON.stringify({ time: new Date().toISOString(), level: 'error', event: 'sidecar_failed', message: (err as Error).message, stack: (err as Error).stack }) + '\n');
  process.exit(1);
});
