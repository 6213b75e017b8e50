// The local runtime: each worker of a pipeline is two processes on this
// machine, a sidecar and a worker (as the two containers of a Kubernetes
// worker pod), started once and kept while the pipeline runs. A worker that
// dies is reported lost (its datums go back to the queue) and restarted with
// a back-off; stop() ends both processes cleanly.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LogFn } from '../log/logger.js';
import type { WorkerLost, WorkerRuntime } from '../pps/index.js';

export interface LocalRuntimeOptions {
  /** $TUSK_HOME: worker folders go under workers/, process logs under logs/workers/. */
  home: string;
  /** The daemon's gRPC address as workers should dial it. */
  address: () => string;
  onLost: WorkerLost;
  log: LogFn;
}

const WORKER_MAIN = fileURLToPath(new URL('../../worker/main.js', import.meta.url));
const SIDECAR_MAIN = fileURLToPath(new URL('../../sidecar/main.js', import.meta.url));

interface Slot {
  pipeline: string;
  index: number;
  generation: number;
  worker?: ChildProcess;
  sidecar?: ChildProcess;
  workerId: string;
  stopping: boolean;
  restartDelay: number;
  timer?: NodeJS.Timeout;
}

export class LocalRuntime implements WorkerRuntime {
  private readonly slots = new Map<string, Slot[]>();

  constructor(private readonly options: LocalRuntimeOptions) {}

  async ensure(pipeline: string, count: number): Promise<void> {
    const slots = this.slots.get(pipeline) ?? [];
    this.slots.set(pipeline, slots);
    while (slots.length > count) await this.stopSlot(slots.pop()!);
    while (slots.length < count) {
      const slot: Slot = { pipeline, index: slots.length, generation: 0, workerId: '', stopping: false, restartDelay: 500 };
      slots.push(slot);
      await this.startSlot(slot);
    }
  }

  async stop(pipeline: string): Promise<void> {
    const slots = this.slots.get(pipeline) ?? [];
    this.slots.delete(pipeline);
    await Promise.all(slots.map((s) => this.stopSlot(s)));
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.slots.keys()].map((p) => this.stop(p)));
  }

  running(pipeline: string): number {
    return (this.slots.get(pipeline) ?? []).filter((s) => s.worker && s.worker.exitCode === null && s.worker.signalCode === null).length;
  }

  private async startSlot(slot: Slot): Promise<void> {
    slot.generation++;
    slot.workerId = `${slot.pipeline}-${slot.index}-${slot.generation}-${process.pid}`;
    const dir = join(this.options.home, 'workers', slot.pipeline, String(slot.index));
    await rm(dir, { recursive: true, force: true });
    await mkdir(join(dir, 'pfs'), { recursive: true });
    const logs = join(this.options.home, 'logs', 'workers');
    await mkdir(logs, { recursive: true });
    const env = {
      ...process.env,
      TUSK_ADDRESS: this.options.address(),
      TUSK_PIPELINE: slot.pipeline,
      TUSK_WORKER_ID: slot.workerId,
      TUSK_WORKER_DIR: dir,
      TUSK_SIDECAR_SOCKET: join(dir, 'sidecar.sock'),
      TUSK_PFS: join(dir, 'pfs'),
    };
    const open = (name: string) => createWriteStream(join(logs, `${slot.pipeline}-${slot.index}.${name}.log`), { flags: 'a' });
    const start = (main: string, name: string) => {
      const child = spawn(process.execPath, [main], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      const out = open(name);
      child.stdout!.pipe(out, { end: false });
      child.stderr!.pipe(out, { end: false });
      child.on('exit', () => out.end());
      return child;
    };
    slot.sidecar = start(SIDECAR_MAIN, 'sidecar');
    slot.worker = start(WORKER_MAIN, 'worker');
    const workerId = slot.workerId;
    const onExit = (which: string) => (code: number | null, signal: NodeJS.Signals | null) => {
      if (slot.stopping || slot.workerId !== workerId) return;
      const reason = `${which} exited (${signal ?? `code ${code}`})`;
      this.options.log('warn', 'worker_exited', { pipeline: slot.pipeline, worker: workerId, reason });
      slot.worker?.kill('SIGKILL');
      slot.sidecar?.kill('SIGKILL');
      slot.workerId = '';
      this.options.onLost(slot.pipeline, workerId, reason);
      slot.timer = setTimeout(() => {
        if (!slot.stopping) this.startSlot(slot).catch((err) => this.options.log('error', 'worker_restart_failed', { pipeline: slot.pipeline, message: (err as Error).message }));
      }, slot.restartDelay);
      slot.restartDelay = Math.min(slot.restartDelay * 2, 30_000);
    };
    slot.worker.on('exit', onExit('worker'));
    slot.sidecar.on('exit', onExit('sidecar'));
    this.options.log('info', 'worker_started', { pipeline: slot.pipeline, worker: workerId, pid: slot.worker.pid });
  }

  private async stopSlot(slot: Slot): Promise<void> {
    slot.stopping = true;
    clearTimeout(slot.timer);
    await Promise.all([terminate(slot.worker), terminate(slot.sidecar)]);
  }
}

/** SIGTERM, then SIGKILL after 5 s; resolves when the process is gone. */
function terminate(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
