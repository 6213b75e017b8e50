// A worker's sandbox: the sandbox runner (sandbox-runner.ts) started once,
// under bubblewrap when it works here, else in a private mount namespace made
// with util-linux's unshare (unshare-args.ts), so each datum costs one spawn
// inside an existing sandbox and code always finds its inputs at /pfs. Where
// neither works, every run fails with an error saying why and how to fix it
// (install bubblewrap) rather than running code where /pfs does not exist.
// TUSK_SANDBOX picks one (auto | bwrap | unshare | off); with `off` the runner
// is started directly: code then runs unconfined and finds the datum area at
// its host path ($TUSK_PFS); `fallbackReason` says so, for the job's log.
// A confined runner is given a socket beside its held pipes (fd 5) for the
// direct runner (direct-runner.ts): the runs on the held pipes it can take go
// to it straight, not through the Node runner.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Duplex, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { WorkerPeerUnavailable } from '../src/client/index.js';
import { encodeFrame, readFrames, type Logger } from '../src/worker-protocol/index.js';
import { DIRECT_ARG, DIRECT_FD, encodeDirectKill, encodeDirectRun, toRunnerExit, type DirectExit } from './direct-runner.js';
import type { Env } from './env.js';
import { HeldOutput, type OutputHandler } from './held-output.js';
import { withMemoryLimit } from './memory-limit.js';
import type { RunResult } from './outcome.js';
import type { RunCommand, RunnerCommand, RunnerEvent } from './runner-protocol.js';
import { unshareArgs } from './unshare-args.js';
import { bwrapArgs, visibleInSandbox, ETC_SECRETS, SANDBOX_PFS, SANDBOX_SOCKET_DIR, type RootEntry, type SandboxLayout } from './sandbox-args.js';

const RUNNER = fileURLToPath(new URL('./sandbox-runner.js', import.meta.url));
const START_TIMEOUT_MS = 20_000;

export interface RunOptions {
  cmd: readonly string[];
  env: Env;
  stdin: string | null;
  cwd: string;
  cwdRequired: boolean;
  timeoutMs: number;
  /** transform.user, when the sandbox may switch users (SandboxOptions.switchUser). */
  runAs?: { uid: number; gid: number };
  /** resource_limits.memory in bytes (0: none). */
  memoryLimitBytes?: number;
}

export interface RunHandle {
  done: Promise<RunResult>;
  kill(): void;
}

export type { OutputHandler } from './held-output.js';

/** TUSK_SANDBOX: auto (bwrap, else unshare), one of them only, or off (no sandbox, code at $TUSK_PFS). */
export type SandboxMode = 'auto' | 'bwrap' | 'unshare' | 'off';

export interface SandboxOptions {
  mode: SandboxMode;
  /** A network namespace of its own for the code (sandbox_spec.network: false, or tuskd --isolate-network). */
  isolateNetwork?: boolean;
  /** Host path of the datum area. */
  pfs: string;
  /** Host folder of the worker socket (datum batching). */
  socketDir: string;
  /** The package root (holds dist/ and bin/), bound in when its folder is not. */
  packageRoot: string;
  log: Logger;
  /** transform.user: the runner keeps CAP_SETUID/CAP_SETGID (and nothing else) to start code as another user. */
  switchUser?: boolean;
  /** transform.secrets with mount_path: host folders bound read-only at those paths. */
  binds?: readonly { host: string; at: string }[];
  /** Called if the runner dies while the worker still uses it. */
  onDeath: (reason: string) => void;
}

/** A run sent to the direct runner: what its exit frame is read with. */
interface DirectRunInfo {
  program: string;
  cwd: string;
}

export class Sandbox {
  private nextId = 1;
  private readonly runs = new Map<number, { onOutput: OutputHandler; resolve: (r: RunResult) => void; direct?: DirectRunInfo }>();
  /** The direct runner's socket (direct-runner.ts), once it said it is ready, until it goes away. */
  private direct: Duplex | undefined;
  private dead: string | undefined;
  private closing = false;
  /** The output pipes held for the runner's life (a confined runner), and the secret part of every run's end mark. */
  private readonly held: HeldOutput | undefined;
  private readonly markSecret = randomBytes(16).toString('hex');

  private constructor(
    private readonly child: ChildProcess | undefined,
    /** True when code runs under bubblewrap. */
    readonly sandboxed: boolean,
    /** The datum area as code sees it. */
    readonly pfs: string,
    /** The worker socket folder as code sees it. */
    readonly socketDir: string,
    /** Why code runs without a sandbox (undefined when it has one). */
    readonly fallbackReason: string | undefined,
    private readonly onDeath: (reason: string) => void,
    unavailable?: string,
    private readonly log?: Logger,
    /** The direct runner is ready on the runner's DIRECT_FD. */
    direct = false,
  ) {
    this.dead = unavailable;
    if (!child) return;
    const [, , , out, err] = child.stdio;
    if (out && err) this.held = new HeldOutput(out as Readable, err as Readable, (stream, chars) => this.log?.log('warn', 'output_after_run', { stream, chars }));
    readFrames(child.stdout!, (frame) => this.onEvent(frame as RunnerEvent));
    const socket = (child.stdio as unknown[])[DIRECT_FD] as Duplex | null | undefined;
    if (socket && direct) {
      this.direct = socket;
      readFrames(socket, (frame) => this.onEvent(frame as RunnerEvent));
      socket.resume(); // paused by awaitDirect
      socket.on('error', () => {});
      socket.on('close', () => this.directGone());
    }
    child.on('exit', (code, signal) => {
      this.dead = `sandbox runner exited (${signal ?? `code ${code}`})`;
      this.held?.abort();
      for (const run of this.runs.values()) run.resolve({ code: null, signal: null, timedOut: false, error: this.dead });
      this.runs.clear();
      if (!this.closing) this.onDeath(this.dead);
    });
  }

  static async start(o: SandboxOptions): Promise<Sandbox> {
    if (o.mode === 'off') {
      if (o.isolateNetwork) return Sandbox.unavailable(o, 'the pipeline asks for an isolated network, which needs a sandbox, but TUSK_SANDBOX=off');
      return Sandbox.direct(o, 'TUSK_SANDBOX=off');
    }
    const layout = { ...sandboxLayout(o.pfs, o.socketDir, o.packageRoot, o.isolateNetwork), binds: o.binds ?? [], switchUser: Boolean(o.switchUser) };
    const failures: string[] = [];
    if (o.mode !== 'unshare') {
      const bwrap = findOnPath('bwrap');
      if (!bwrap) failures.push('bwrap (Debian package bubblewrap) is not installed');
      else {
        const started = await Sandbox.confined(o, 'bwrap', bwrap, bwrapArgs(layout, [process.execPath, RUNNER, DIRECT_ARG]));
        if (started instanceof Sandbox) return started;
        failures.push(`bwrap does not work here: ${started}`);
      }
    }
    if (o.mode !== 'bwrap') {
      const unshare = findOnPath('unshare');
      if (!unshare) failures.push('unshare (util-linux) is not installed');
      else {
        const rootDir = join(dirname(o.socketDir), 'root');
        const userNamespace = process.getuid?.() !== 0;
        const [, ...args] = unshareArgs(layout, { userNamespace, rootDir }, [process.execPath, RUNNER, DIRECT_ARG]);
        const started = await Sandbox.confined(o, 'unshare', unshare, args);
        if (started instanceof Sandbox) return started;
        failures.push(`unshare cannot make a private mount namespace here${userNamespace ? ' (not root, and user namespaces are not allowed)' : ''}: ${started}`);
      }
    }
    return Sandbox.unavailable(o, `user code cannot be given /pfs on this machine: ${failures.join('; ')}. Install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap), or set TUSK_SANDBOX=off on tuskd to run code unconfined with its inputs at $TUSK_PFS instead of /pfs`);
  }

  /** The runner under bwrap or unshare; a Sandbox, or why it did not start. */
  private static async confined(o: SandboxOptions, kind: string, program: string, args: string[]): Promise<Sandbox | string> {
    // fds 3 and 4: the output pipes held for the runner's life (held-output.ts); its pid namespace lets it see what a run left.
    // fd 5: the direct runner's socket (direct-runner.ts), which the runner hands on to it.
    const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe', 'pipe', 'pipe', 'pipe'] });
    const started = await awaitReady(child);
    if (!started.ok) return started.reason;
    const directReady = started.direct && (await awaitDirect(child));
    child.stderr!.on('data', (d: Buffer) => o.log.log('warn', 'sandbox_stderr', { text: d.toString().trim() }));
    o.log.log('info', 'sandbox_started', { kind, pid: child.pid, isolatedNetwork: Boolean(o.isolateNetwork), directRunner: directReady });
    return new Sandbox(child, true, SANDBOX_PFS, SANDBOX_SOCKET_DIR, undefined, o.onDeath, undefined, o.log, directReady);
  }

  /** The runner without a sandbox (TUSK_SANDBOX=off): code finds its inputs at the host path $TUSK_PFS. */
  private static async direct(o: SandboxOptions, reason: string): Promise<Sandbox> {
    o.log.log('warn', 'sandbox_off', { reason });
    const child = spawn(process.execPath, [RUNNER], { stdio: ['pipe', 'pipe', 'inherit'] });
    const started = await awaitReady(child);
    if (!started.ok) throw new WorkerPeerUnavailable('command runner', `cannot start it: ${started.reason}`);
    return new Sandbox(child, false, o.pfs, o.socketDir, reason, o.onDeath);
  }

  /** No way to run code as asked: every run fails with `reason` (the datum's error says why and how to fix it). */
  private static unavailable(o: SandboxOptions, reason: string): Sandbox {
    o.log.log('error', 'sandbox_unavailable', { reason });
    return new Sandbox(undefined, false, SANDBOX_PFS, SANDBOX_SOCKET_DIR, undefined, o.onDeath, reason);
  }

  /** Runs one command; `onOutput` gets its output as it comes. */
  run(o: RunOptions, onOutput: OutputHandler): RunHandle {
    const id = this.nextId++;
    if (this.dead) return { done: Promise.resolve({ code: null, signal: null, timedOut: false, error: this.dead }), kill() {} };
    // One run at a time has the held pipes; the others (err_cmd beside a batching process, a spout) get pipes of their own.
    const endMark = this.held?.available() ? `\0tusk-end:${this.markSecret}:${id}\0` : undefined;
    // A run on the held pipes ends with its marks, and its `exit` frame on the held stdout after the mark.
    if (endMark !== undefined) void this.held!.claim(id, endMark, onOutput).then((frame) => this.onHeldExit(id, frame));
    // Most runs on the held pipes go to the direct runner, which does all of the run itself.
    if (endMark !== undefined && this.direct && !o.runAs) {
      const argv = withMemoryLimit(o.cmd, o.memoryLimitBytes);
      const command = encodeDirectRun({ id, argv, env: o.env, cwd: o.cwd, cwdRequired: o.cwdRequired, timeoutMs: o.timeoutMs, stdin: o.stdin, mark: endMark });
      if (command !== undefined) {
        const socket = this.direct;
        const done = new Promise<RunResult>((resolve) => this.runs.set(id, { onOutput, resolve, direct: { program: argv[0]!, cwd: o.cwd } }));
        socket.write(command);
        const kill = () => {
          if (this.runs.has(id) && !socket.destroyed) socket.write(encodeDirectKill(id));
        };
        return { done, kill };
      }
    }
    const done = new Promise<RunResult>((resolve) => this.runs.set(id, { onOutput, resolve }));
    const cmd: RunCommand = {
      op: 'run', id, cmd: [...o.cmd], env: o.env, stdin: o.stdin, cwd: o.cwd, cwdRequired: o.cwdRequired, timeoutMs: o.timeoutMs,
      ...(o.runAs && { uid: o.runAs.uid, gid: o.runAs.gid }),
      ...(o.memoryLimitBytes ? { memoryLimitBytes: o.memoryLimitBytes } : {}),
      ...(endMark !== undefined && { endMark }),
    };
    this.send(cmd);
    return { done, kill: () => this.send({ op: 'kill', id }) };
  }

  /** Stops the runner and everything it runs. */
  close(): void {
    this.closing = true;
    const child = this.child;
    if (!child) return;
    child.stdin!.end();
    this.direct?.end();
    setTimeout(() => child.kill('SIGKILL'), 2_000).unref();
  }

  private send(cmd: RunnerCommand): void {
    if (!this.dead) this.child?.stdin!.write(encodeFrame(cmd));
  }

  private onEvent(e: RunnerEvent): void {
    if (e.ev === 'out') this.runs.get(e.id)?.onOutput(e.stream, e.data);
    else if (e.ev === 'directExited') this.directGone();
    else if (e.ev === 'exit') {
      const direct = this.runs.get(e.id)?.direct;
      const exit = direct ? toRunnerExit(e as unknown as DirectExit, direct.program, direct.cwd) : e;
      // A run on the held pipes whose exit comes here: a mark could not be written (the code shut a pipe down); its
      // output is complete once the other marks came.
      const rest = this.held?.unmarked(exit.id, exit.heldUnmarked ?? []);
      if (!rest) return this.exited(exit);
      void rest.then(() => {
        this.held!.release(exit.id);
        this.retireHeld();
        this.exited(exit);
      });
    }
  }

  /** The direct runner went away (it exited, or its socket closed): its run going is lost with the held pipes' order; later runs go to the runner. */
  private directGone(): void {
    if (!this.direct) return;
    this.direct = undefined;
    if (!this.closing) this.log?.log('warn', 'direct_runner_exited', { reason: 'later runs go to the sandbox runner' });
    for (const [id, run] of this.runs) {
      if (!run.direct) continue;
      this.held?.abort();
      this.runs.delete(id);
      run.resolve({ code: null, signal: null, timedOut: false, error: 'the direct runner exited' });
    }
  }

  private retireHeld(): void {
    if (this.held!.retired) return;
    this.held!.retired = true;
    this.log?.log('warn', 'held_output_retired', { reason: 'a process outlived its run, or the code left its output non-blocking or shut: later runs get pipes of their own' });
  }

  /** A run on the held pipes ended: its output is complete (its marks came) and `frame` is its `exit`. */
  private onHeldExit(id: number, frame: string): void {
    this.held!.release(id);
    let e: RunnerEvent | undefined;
    try {
      e = JSON.parse(frame) as RunnerEvent;
    } catch {
      // told below
    }
    if (e?.ev !== 'exit' || e.id !== id) e = { ev: 'exit', id, code: null, signal: null, timedOut: false, error: 'the sandbox runner sent an unreadable exit' };
    else {
      const direct = this.runs.get(id)?.direct;
      if (direct) e = toRunnerExit(e as unknown as DirectExit, direct.program, direct.cwd);
    }
    if (e.heldRetired) this.retireHeld();
    this.exited(e);
  }

  private exited(e: Extract<RunnerEvent, { ev: 'exit' }>): void {
    const run = this.runs.get(e.id);
    if (!run) return;
    this.runs.delete(e.id);
    run.resolve({ code: e.code, signal: e.signal, timedOut: e.timedOut, ...(e.error !== undefined ? { error: e.error } : {}), ...(e.usage && { usage: e.usage }) });
  }
}

/** True once the direct runner says it is ready on the runner's DIRECT_FD; false when it goes away first or is slow. */
function awaitDirect(child: ChildProcess): Promise<boolean> {
  const socket = (child.stdio as unknown[])[DIRECT_FD] as Duplex | null | undefined;
  if (!socket) return Promise.resolve(false);
  return new Promise((resolve) => {
    let text = '';
    const timer = setTimeout(() => finish(false), START_TIMEOUT_MS).unref();
    const onData = (d: Buffer) => {
      text += d.toString('latin1');
      if (text.includes('\n')) finish(text.startsWith('{"ev":"ready"'));
    };
    const onEnd = () => finish(false);
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      child.off('exit', onEnd);
      socket.pause();
      resolve(ok);
    };
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    child.on('exit', onEnd);
  });
}

function awaitReady(child: ChildProcess): Promise<{ ok: true; direct: boolean } | { ok: false; reason: string }> {
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
      const text = d.toString();
      if (text.includes('"ready"')) finish({ ok: true, direct: text.includes('"direct"') });
    };
    const finish = (r: { ok: true; direct: boolean } | { ok: false; reason: string }) => {
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
export function sandboxLayout(pfs: string, socketDir: string, packageRoot: string, isolateNetwork = false): SandboxLayout {
  const root: RootEntry[] = readdirSync('/', { withFileTypes: true }).map((d) => {
    if (d.isSymbolicLink()) return { name: d.name, kind: 'symlink', target: readlinkSync(join('/', d.name)) };
    return { name: d.name, kind: d.isDirectory() ? 'dir' : 'other' };
  });
  const extraReadOnly: string[] = [];
  for (const p of [...packageParts(packageRoot), dirname(process.execPath)]) if (!visibleInSandbox(p, { root, extraReadOnly })) extraReadOnly.push(p);
  let resolvConf: string | undefined;
  try {
    const real = realpathSync('/etc/resolv.conf');
    if (real.startsWith('/run/')) resolvConf = real;
  } catch {
    // no resolv.conf: no DNS config to carry over
  }
  return { root, pfs, socketDir, extraReadOnly, masked: etcSecrets(), isolateNetwork, ...(resolvConf ? { resolvConf } : {}) };
}

/** What of the package code needs inside the sandbox (the runner, `tusk`): never the whole checkout with its .git or test data. */
function packageParts(packageRoot: string): string[] {
  if (basename(dirname(packageRoot)) === 'node_modules') return [dirname(packageRoot)]; // installed as a dependency: its siblings are its dependencies
  return ['dist', 'bin', 'node_modules', 'package.json'].map((p) => join(packageRoot, p)).filter((p) => existsSync(p));
}

/** The secrets of this host's /etc that exist (ETC_SECRETS, and the SSH host keys). */
function etcSecrets(): { path: string; kind: 'file' | 'dir' }[] {
  const paths = [...ETC_SECRETS];
  try {
    for (const name of readdirSync('/etc/ssh')) if (/^ssh_host_.*_key$/.test(name)) paths.push(join('/etc/ssh', name));
  } catch {
    // no /etc/ssh
  }
  const out: { path: string; kind: 'file' | 'dir' }[] = [];
  for (const path of paths) {
    try {
      const st = lstatSync(path);
      if (st.isDirectory()) out.push({ path, kind: 'dir' });
      else if (st.isFile()) out.push({ path, kind: 'file' });
    } catch {
      // not on this host
    }
  }
  return out;
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}
