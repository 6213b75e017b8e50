// The local runtime: each worker of a pipeline is two processes on this
// machine, a sidecar and a worker (as the two containers of a Kubernetes
// worker pod), started once and kept while the pipeline runs. A worker that
// dies is reported lost (its datums go back to the queue) and restarted with
// a back-off; stop() ends both processes cleanly. Starts that never come up
// (crash-loop.ts) are the pipeline's trouble, as a pod in CrashLoopBackOff is
// the Kubernetes runtime's: the coordinator shows the process's last words on
// the pipeline and fails its running jobs rather than leave them waiting.
//
// Bounds: at most `limits.perPipeline` workers per pipeline and `limits.total`
// in all, started one at a time at a bounded rate (StartPacer). Containment:
// both processes get only the system basics of the daemon's environment (no
// home, storage or keys), and a pipe from the daemon on their stdin
// (TUSK_LIFELINE=stdin) whose end they watch, so they die with the daemon
// even after a kill -9. A lost worker's running mark (TUSK_RUNNING_MARK, in
// its folder) goes with the loss: the datum whose code it ran. Worker IDs
// carry a random ID of this runtime, and owns() knows only the current ones:
// a process left by an earlier daemon is refused work.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { LogFn } from '../log/logger.js';
import type { WorkerLimits, WorkerLost, WorkerRuntime, WorkerState } from '../pps/index.js';
import { readRunningMark } from '../worker-protocol/index.js';
import { CRASH_LOOP, lastWords, OutputTail, StartFailures, type CrashLoopRule } from './crash-loop.js';
import { processEntry } from './process-entry.js';
import { StartPacer } from './start-pacer.js';

export interface LocalRuntimeOptions {
  /** $TUSK_HOME: worker folders go under workers/, process logs under logs/workers/. */
  home: string;
  /** The daemon's gRPC address as workers should dial it. */
  address: () => string;
  /** Extra environment for workers and sidecars (e.g. TUSK_TLS_CA). */
  env?: Record<string, string>;
  onLost: WorkerLost;
  /** The pipeline's token (access control on), handed to its worker and sidecar on file descriptor 3: never in an environment user code inherits. */
  token?: (pipeline: string) => string | undefined;
  log: LogFn;
  /** Most workers per pipeline and in all (default: no limit). */
  limits?: WorkerLimits;
  /** tuskd --isolate-network: code of every pipeline runs without network. */
  isolateNetwork?: boolean;
  /** Least time between two process starts (default 200 ms). */
  startIntervalMs?: number;
  /**
   * The pipeline's workers cannot run (their starts do not come up: `reason` says why), or ''
   * once one has come up again. The coordinator's `workersTrouble`.
   */
  onTrouble?: (pipeline: string, reason: string) => void;
  /** When starts count as a crash loop (default CRASH_LOOP: 3 in a row, each ended within 10 s). */
  crashLoop?: CrashLoopRule;
  /** Wait before the first restart of a lost worker, doubled up to 30 s (default 500 ms). */
  restartDelayMs?: number;
  /** The worker's and the sidecar's entry files (default: the built ones; tests start others). */
  entries?: { worker: string; sidecar: string };
}

/** A process's entry: its bundle when built from the modules as they are (process-entry.ts), else its module. */
function processMain(entry: string): string {
  return processEntry(fileURLToPath(new URL(`../../${entry}.bundle.mjs`, import.meta.url)), fileURLToPath(new URL(`../../${entry}.js`, import.meta.url)));
}

const WORKER_MAIN = processMain('worker/main');
const SIDECAR_MAIN = processMain('sidecar/main');

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
  /** Starts in a row that ended before they came up. */
  failures: StartFailures;
  /** Fires once the current start has stayed up long enough to count as up. */
  upTimer?: NodeJS.Timeout;
}

export class LocalRuntime implements WorkerRuntime {
  private readonly slots = new Map<string, Slot[]>();
  /** Tells this daemon's workers from an earlier daemon's (a PID can repeat, e.g. in a container). */
  private readonly instance = randomBytes(4).toString('hex');
  private readonly pacer: StartPacer;
  private capWarned = false;
  /** Pipelines whose workers cannot run (a slot in a crash loop, reported by onTrouble). */
  private readonly troubled = new Set<string>();
  private readonly crashLoop: CrashLoopRule;

  constructor(private readonly options: LocalRuntimeOptions) {
    this.pacer = new StartPacer(options.startIntervalMs ?? 200);
    this.crashLoop = options.crashLoop ?? CRASH_LOOP;
  }

  /** Sets the pipeline's number of workers; new ones start in the background, at the pacer's rate. */
  async ensure(pipeline: string, count: number): Promise<void> {
    const limits = this.options.limits;
    const wanted = limits ? Math.min(count, limits.perPipeline) : count;
    const slots = this.slots.get(pipeline) ?? [];
    this.slots.set(pipeline, slots);
    while (slots.length > wanted) await this.stopSlot(slots.pop()!);
    while (slots.length < wanted) {
      if (limits && this.total() >= limits.total) {
        if (!this.capWarned) this.options.log('warn', 'worker_limit_reached', { pipeline, wanted, running: slots.length, limit: limits.total });
        this.capWarned = true;
        break;
      }
      const slot: Slot = { pipeline, index: slots.length, generation: 0, workerId: '', stopping: false, restartDelay: this.options.restartDelayMs ?? 500, failures: new StartFailures(this.crashLoop) };
      slots.push(slot);
      void this.startPaced(slot);
    }
  }

  async stop(pipeline: string): Promise<void> {
    const slots = this.slots.get(pipeline) ?? [];
    this.slots.delete(pipeline);
    this.troubled.delete(pipeline);
    await Promise.all(slots.map((s) => this.stopSlot(s)));
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.slots.keys()].map((p) => this.stop(p)));
  }

  running(pipeline: string): number {
    return (this.slots.get(pipeline) ?? []).filter((s) => s.worker && s.worker.exitCode === null && s.worker.signalCode === null).length;
  }

  workers(pipeline: string): WorkerState[] {
    return (this.slots.get(pipeline) ?? []).map((s) => {
      const alive = Boolean(s.worker && s.worker.exitCode === null && s.worker.signalCode === null);
      const state = alive && s.workerId ? 'running' : s.generation === 0 ? 'starting' : s.failures.inARow >= this.crashLoop.inARow ? 'failing' : 'restarting';
      return { id: s.workerId || `${s.pipeline}-${s.index}`, state, pod: '', restarts: Math.max(0, s.generation - 1), version: 0 };
    });
  }

  owns(worker: string): boolean {
    for (const slots of this.slots.values()) if (slots.some((s) => s.workerId === worker && !s.stopping)) return true;
    return false;
  }

  private total(): number {
    let n = 0;
    for (const slots of this.slots.values()) n += slots.length;
    return n;
  }

  /** Starts (or restarts) a slot when the pacer allows, unless it was stopped meanwhile. */
  private async startPaced(slot: Slot): Promise<void> {
    await this.pacer.turn();
    if (slot.stopping) return;
    await this.startSlot(slot).catch((err) => this.options.log('error', 'worker_start_failed', { pipeline: slot.pipeline, message: (err as Error).message }));
  }

  private async startSlot(slot: Slot): Promise<void> {
    slot.generation++;
    slot.workerId = `${slot.pipeline}-${slot.index}-${slot.generation}-${this.instance}`;
    const dir = join(this.options.home, 'workers', slot.pipeline, String(slot.index));
    await rm(dir, { recursive: true, force: true });
    await mkdir(join(dir, 'pfs'), { recursive: true });
    const logs = join(this.options.home, 'logs', 'workers');
    await mkdir(logs, { recursive: true });
    const token = this.options.token?.(slot.pipeline);
    if (slot.stopping) return;
    const env = {
      ...workerProcessEnv(process.env),
      ...this.options.env,
      TUSK_ADDRESS: this.options.address(),
      TUSK_PIPELINE: slot.pipeline,
      TUSK_WORKER_ID: slot.workerId,
      TUSK_WORKER_DIR: dir,
      TUSK_SIDECAR_SOCKET: join(dir, 'sidecar.sock'),
      TUSK_PFS: join(dir, 'pfs'),
      TUSK_LIFELINE: 'stdin',
      TUSK_RUNNING_MARK: join(dir, 'running'),
      ...(this.options.isolateNetwork ? { TUSK_ISOLATE_NETWORK: 'true' } : {}),
      ...(token ? { TUSK_AUTH_TOKEN_FD: '3' } : {}),
    };
    const open = (name: string) => createWriteStream(join(logs, `${slot.pipeline}-${slot.index}.${name}.log`), { flags: 'a' });
    const tails = { worker: new OutputTail(), sidecar: new OutputTail() };
    const start = (main: string, name: 'worker' | 'sidecar') => {
      // stdin is the lifeline: never written, it ends when the daemon does. fd 3 carries the pipeline's token, once.
      const child = spawn(process.execPath, [main], { env, stdio: ['pipe', 'pipe', 'pipe', ...(token ? (['pipe'] as const) : [])] });
      child.stdin!.on('error', () => {});
      if (token) {
        const channel = child.stdio[3] as Writable;
        channel.on('error', () => {}); // a child that died at once: its exit is reported below
        channel.end(`${token}\n`);
      }
      const out = open(name);
      child.stdout!.pipe(out, { end: false });
      child.stderr!.pipe(out, { end: false });
      child.stdout!.on('data', (c: Buffer) => tails[name].push(c));
      child.stderr!.on('data', (c: Buffer) => tails[name].push(c));
      child.on('exit', () => out.end());
      return child;
    };
    const entries = this.options.entries ?? { worker: WORKER_MAIN, sidecar: SIDECAR_MAIN };
    const startedAt = Date.now();
    slot.sidecar = start(entries.sidecar, 'sidecar');
    slot.worker = start(entries.worker, 'worker');
    const workerId = slot.workerId;
    clearTimeout(slot.upTimer);
    slot.upTimer = setTimeout(() => this.cameUp(slot), this.crashLoop.earlyExitMs);
    const onExit = (which: 'worker' | 'sidecar') => (code: number | null, signal: NodeJS.Signals | null) => {
      if (slot.stopping || slot.workerId !== workerId) return;
      const reason = `${which} exited (${signal ?? `code ${code}`})`;
      this.options.log('warn', 'worker_exited', { pipeline: slot.pipeline, worker: workerId, reason });
      clearTimeout(slot.upTimer);
      const lived = Date.now() - startedAt;
      if (slot.failures.ended(lived)) {
        const words = lastWords(tails[which].toString());
        // The same words at each further failed start: the pipeline's reason changes only when the error does.
        const within = `${this.crashLoop.earlyExitMs / 1000} s`;
        const trouble = `its ${which} process exited (${signal ?? `code ${code}`}) within ${within} of its start, ${this.crashLoop.inARow} starts in a row${words ? `: ${words}` : ''} (log: ${join(logs, `${slot.pipeline}-${slot.index}.${which}.log`)})`;
        this.troubled.add(slot.pipeline);
        this.options.onTrouble?.(slot.pipeline, trouble);
      }
      slot.worker?.kill('SIGKILL');
      slot.sidecar?.kill('SIGKILL');
      slot.workerId = '';
      // Read once the worker can write no more (killed above): the datum whose code it ran, if any.
      this.options.onLost(slot.pipeline, workerId, reason, readRunningMark(join(dir, 'running')));
      slot.timer = setTimeout(() => void this.startPaced(slot), slot.restartDelay);
      slot.restartDelay = Math.min(slot.restartDelay * 2, 30_000);
    };
    slot.worker.on('exit', onExit('worker'));
    slot.sidecar.on('exit', onExit('sidecar'));
    this.options.log('info', 'worker_started', { pipeline: slot.pipeline, worker: workerId, pid: slot.worker.pid, sidecarPid: slot.sidecar.pid });
  }

  /** The slot's current start stayed up: its crash loop, and the pipeline's trouble once no slot of it loops, are over. */
  private cameUp(slot: Slot): void {
    slot.failures.cameUp();
    if (!this.troubled.has(slot.pipeline)) return;
    const slots = this.slots.get(slot.pipeline) ?? [];
    if (slots.some((s) => s.failures.inARow >= this.crashLoop.inARow)) return;
    this.troubled.delete(slot.pipeline);
    this.options.onTrouble?.(slot.pipeline, '');
  }

  private async stopSlot(slot: Slot): Promise<void> {
    slot.stopping = true;
    clearTimeout(slot.timer);
    clearTimeout(slot.upTimer);
    await Promise.all([terminate(slot.worker), terminate(slot.sidecar)]);
  }
}

/** The daemon's variables its workers and sidecars get: the system basics and the worker settings, never the daemon's home, storage or keys. */
export function workerProcessEnv(daemonEnv: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(daemonEnv)) if (v !== undefined && (PASSED_TO_WORKERS.has(k) || k.startsWith('LC_'))) out[k] = v;
  return out;
}

const PASSED_TO_WORKERS = new Set(['PATH', 'HOME', 'LANG', 'LANGUAGE', 'TZ', 'TERM', 'USER', 'LOGNAME', 'SHELL', 'TMPDIR', 'NODE_OPTIONS', 'TUSK_SANDBOX', 'TUSK_DAEMON_GRACE_MS']);

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
