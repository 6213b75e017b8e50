// A real worker for tests: the built sidecar (dist/sidecar/main.js) and worker
// (dist/worker/main.js) started as the local runtime starts them — sidecar
// first, both with TUSK_ADDRESS, TUSK_PIPELINE, TUSK_WORKER_ID,
// TUSK_WORKER_DIR, TUSK_SIDECAR_SOCKET and TUSK_PFS — against whatever answers
// at `address` (a fakeCoordinator, or a real tuskd). Their stderr is kept for
// the test to read. The worker may run as another user (as a pod's user
// container does). Also: whether bubblewrap works on this machine.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: the nearest folder with package.json (this file also runs compiled, from dist/, in bench/worker). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}
const ROOT = packageRoot();

export interface WorkerProcesses {
  dir: string;
  sidecar: ChildProcess;
  worker: ChildProcess;
  logs(): string;
  /** Resolves with both exit codes once both processes have exited. */
  exited(): Promise<[number | null, number | null]>;
  /** SIGTERM both, wait, remove the worker folder. */
  stop(): Promise<[number | null, number | null]>;
}

/** True when bwrap can start a sandbox here (the worker then runs code at /pfs); else the reason. */
export function bwrapUsable(): true | string {
  const probe = spawnSync('bwrap', ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--unshare-pid', 'true'], { encoding: 'utf8' });
  if (probe.error) return `bwrap not found (${probe.error.message})`;
  return probe.status === 0 ? true : `bwrap fails here: ${probe.stderr.trim()}`;
}

/**
 * Why a worker cannot run as `uid` here (undefined: it can): this process must be root, and that user must be able
 * to start Node and read the built worker (a checkout under a private home cannot be read by others).
 */
export function otherUserBlocked(uid: number): string | undefined {
  if (process.getuid?.() !== 0) return 'the tests do not run as root';
  const probe = spawnSync(process.execPath, ['-e', 'require("fs").accessSync(process.argv[1], 4)', join(ROOT, 'dist/worker/main.js')], { uid, gid: uid, encoding: 'utf8' });
  return probe.status === 0 ? undefined : `uid ${uid} cannot run the built worker here: ${(probe.error?.message ?? probe.stderr).trim().split('\n')[0]}`;
}

export async function startWorkerProcesses(address: string, options: { pipeline?: string; env?: Record<string, string>; workerUid?: number } = {}): Promise<WorkerProcesses> {
  if (!existsSync(join(ROOT, 'dist/worker/main.js'))) throw new Error('the worker is not built: run `npm run build` first');
  const dir = await mkdtemp(join(tmpdir(), 'tusk-worker-'));
  // Another user's worker needs the folder open, as a pod's emptyDir is.
  if (options.workerUid !== undefined) await chmod(dir, 0o777);
  const env = {
    ...process.env,
    TUSK_ADDRESS: address,
    TUSK_PIPELINE: options.pipeline ?? 'p',
    TUSK_WORKER_ID: 'w1',
    TUSK_WORKER_DIR: dir,
    TUSK_SIDECAR_SOCKET: join(dir, 'sidecar.sock'),
    TUSK_PFS: join(dir, 'pfs'),
    ...options.env,
  };
  let logs = '';
  const start = (script: string, uid?: number) => {
    const child = spawn(process.execPath, [join(ROOT, script)], { env, stdio: ['ignore', 'pipe', 'pipe'], ...(uid !== undefined && { uid, gid: uid }) });
    child.stdout!.on('data', (d: Buffer) => (logs += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (logs += d.toString()));
    return child;
  };
  const sidecar = start('dist/sidecar/main.js');
  const worker = start('dist/worker/main.js', options.workerUid);
  const exitOf = (c: ChildProcess) => (c.exitCode !== null || c.signalCode !== null ? Promise.resolve(c.exitCode) : new Promise<number | null>((r) => c.once('exit', (code) => r(code))));
  const exited = () => Promise.all([exitOf(sidecar), exitOf(worker)]);
  return {
    dir,
    sidecar,
    worker,
    logs: () => logs,
    exited,
    async stop() {
      worker.kill('SIGTERM');
      sidecar.kill('SIGTERM');
      const codes = await exited();
      await rm(dir, { recursive: true, force: true });
      return codes;
    },
  };
}
