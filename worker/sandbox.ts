// A worker's sandbox: the sandbox runner (sandbox-runner.ts) started once,
// under bubblewrap when it works here, so each datum costs one spawn inside an
// existing sandbox rather than a new sandbox. Without a usable bwrap (missing,
// or its start fails) — or with TUSK_SANDBOX=off — the same runner is started
// directly: code then runs unconfined and finds the datum area at its host path
// ($TUSK_PFS), not at /pfs; `fallbackReason` says why, for the job's log.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WorkerPeerUnavailable } from '../src/client/index.js';
import { encodeFrame, readFrames, type Logger } from '../src/worker-protocol/index.js';
import type { Env } from './env.js';
import type { RunResult } from './outcome.js';
import type { RunCommand, RunnerCommand, RunnerEvent } from './runner-protocol.js';
import { bwrapArgs, visibleInSandbox, SANDBOX_PFS, SANDBOX_SOCKET_DIR, type RootEntry, type SandboxLayout } from './sandbox-args.js';

const RUNNER = fileURLToPath(new URL('./sandbox-runner.js', import.meta.url));
const START_TIMEOUT_MS = 20_000;

export interface RunOptions {
  cmd: readonly string[];
  env: Env;
  stdin: string | null;
  cwd: string;
  cwdRequired: boolean;
  timeoutMs: number;
}

export interface RunHandle {
  done: Promise<RunResult>;
  kill(): void;
}

export type OutputHandler = (stream: 'stdout' | 'stderr', data: string) => void;

export interface SandboxOptions {
  /** 'off' skips bubblewrap (TUSK_SANDBOX=off). */
  mode: 'auto' | 'off';
  /** Host path of the datum area. */
  pfs: string;
  /** Host folder of the worker socket (datum batching). */
  socketDir: string;
  /** The package root (holds dist/ and bin/), bound in when its folder is not. */
  packageRoot: string;
  log: Logger;
  /** Called if the runner dies while the worker still uses it. */
  onDeath: (reason: string) => void;
}

export class Sandbox {
  private nextId = 1;
  private readonly runs = new Map<number, { onOutput: OutputHandler; resolve: (r: RunResult) => void }>();
  private dead: string | undefined;
  private closing = false;

  private constructor(
    private readonly child: ChildProcess,
    /** True when code runs under bubblewrap. */
    readonly sandboxed: boolean,
    /** The datum area as code sees it. */
    readonly pfs: string,
    /** The worker socket folder as code sees it. */
    readonly socketDir: string,
    /** Why code runs without a sandbox (undefined when it has one). */
    readonly fallbackReason: string | undefined,
    private readonly onDeath: (reason: string) => void,
  ) {
    readFrames(child.stdout!, (frame) => this.onEvent(frame as RunnerEvent));
    child.on('exit', (code, signal) => {
      this.dead = `sandbox runner exited (${signal ?? `code ${code}`})`;
      for (const run of this.runs.values()) run.resolve({ code: null, signal: null, timedOut: false, error: this.dead });
      this.runs.clear();
      if (!this.closing) this.onDeath(this.dead);
    });
  }

  static async start(o: SandboxOptions): Promise<Sandbox> {
    let reason = 'TUSK_SANDBOX=off';
    if (o.mode !== 'off') {
      const bwrap = findOnPath('bwrap');
      if (!bwrap) reason = 'bwrap (Debian package bubblewrap) is not installed';
      else {
        const layout = sandboxLayout(o.pfs, o.socketDir, o.packageRoot);
        const child = spawn(bwrap, bwrapArgs(layout, [process.execPath, RUNNER]), { stdio: ['pipe', 'pipe', 'pipe'] });
        const started = await awaitReady(child);
        if (started.ok) {
          child.stderr!.on('data', (d: Buffer) => o.log.log('warn', 'sandbox_stderr', { text: d.toString().trim() }));
          o.log.log('info', 'sandbox_started', { bwrap, pid: child.pid });
          return new Sandbox(child, true, SANDBOX_PFS, SANDBOX_SOCKET_DIR, undefined, o.onDeath);
        }
        reason = `bwrap does not work here: ${started.reason}`;
      }
    }
    o.log.log('warn', 'sandbox_unavailable', { reason });
    const child = spawn(process.execPath, [RUNNER], { stdio: ['pipe', 'pipe', 'inherit'] });
    const started = await awaitReady(child);
    if (!started.ok) throw new WorkerPeerUnavailable('command runner', `cannot start it: ${started.reason}`);
    return new Sandbox(child, false, o.pfs, o.socketDir, reason, o.onDeath);
  }

  /** Runs one command; `onOutput` gets its output as it comes. */
  run(o: RunOptions, onOutput: OutputHandler): RunHandle {
    const id = this.nextId++;
    if (this.dead) return { done: Promise.resolve({ code: null, signal: null, timedOut: false, error: this.dead }), kill() {} };
    const done = new Promise<RunResult>((resolve) => this.runs.set(id, { onOutput, resolve }));
    const cmd: RunCommand = { op: 'run', id, cmd: [...o.cmd], env: o.env, stdin: o.stdin, cwd: o.cwd, cwdRequired: o.cwdRequired, timeoutMs: o.timeoutMs };
    this.send(cmd);
    return { done, kill: () => this.send({ op: 'kill', id }) };
  }

  /** Stops the runner and everything it runs. */
  close(): void {
    this.closing = true;
    this.child.stdin!.end();
    setTimeout(() => this.child.kill('SIGKILL'), 2_000).unref();
  }

  private send(cmd: RunnerCommand): void {
    if (!this.dead) this.child.stdin!.write(encodeFrame(cmd));
  }

  private onEvent(e: RunnerEvent): void {
    if (e.ev === 'out') this.runs.get(e.id)?.onOutput(e.stream, e.data);
    else if (e.ev === 'exit') {
      const run = this.runs.get(e.id);
      this.runs.delete(e.id);
      run?.resolve({ code: e.code, signal: e.signal, timedOut: e.timedOut, ...(e.error !== undefined ? { error: e.error } : {}) });
    }
  }
}

function awaitReady(child: ChildProcess): Promise<{ ok: true } | { ok: false; reason: string }> {
  return new Promise((resolve) => {
    let stderr = '';
    const onErr = (d: Buffer) => (stderr += d.toString());
    child.stderr?.on('data', onErr);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish({ ok: false, reason: `no answer within ${START_TIMEOUT_MS / 1000}s` });
    }, START_TIMEOUT_MS);
    const onExit = (code: number | null, signal: string | null) => finish({ ok: false, reason: stderr.trim().split('\n').pop() || `exited (${signal ?? `code ${code}`})` });
    const onError = (err: Error) => finish({ ok: false, reason: err.message });
    const onData = (d: Buffer) => {
      if (d.toString().includes('"ready"')) finish({ ok: true });
    };
    const finish = (r: { ok: true } | { ok: false; reason: string }) => {
      clearTimeout(timer);
      child.off('exit', onExit);
      child.off('error', onError);
      child.stdout!.off('data', onData);
      child.stderr?.off('data', onErr);
      resolve(r);
    };
    child.on('exit', onExit);
    child.on('error', onError);
    child.stdout!.on('data', onData);
  });
}

/** The layout of this host for bwrapArgs. */
export function sandboxLayout(pfs: string, socketDir: string, packageRoot: string): SandboxLayout {
  const root: RootEntry[] = readdirSync('/', { withFileTypes: true }).map((d) => {
    if (d.isSymbolicLink()) return { name: d.name, kind: 'symlink', target: readlinkSync(join('/', d.name)) };
    return { name: d.name, kind: d.isDirectory() ? 'dir' : 'other' };
  });
  const extraReadOnly: string[] = [];
  for (const p of [packageRoot, dirname(process.execPath)]) if (!visibleInSandbox(p, { root, extraReadOnly })) extraReadOnly.push(p);
  let resolvConf: string | undefined;
  try {
    const real = realpathSync('/etc/resolv.conf');
    if (real.startsWith('/run/')) resolvConf = real;
  } catch {
    // no resolv.conf: no DNS config to carry over
  }
  return { root, pfs, socketDir, extraReadOnly, ...(resolvConf ? { resolvConf } : {}) };
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}
