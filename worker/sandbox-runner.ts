// The sandbox runner (`node dist/worker/sandbox-runner.js`): the one process a
// worker starts inside its long-lived sandbox (or directly, without one). It
// reads RunCommands on stdin and spawns each in its own process group with the
// given environment, stdin, working folder, time limit, user (transform.user)
// and address-space limit (resource_limits.memory, by `ulimit -v`), and writes output
// and exit events on stdout (runner-protocol.ts). A run with an end mark writes
// to the output pipes held for the runner's life instead (fds 3 and 4,
// held-output.ts): the mark follows once its group is gone, and the exit frame
// after the mark on the held stdout. Runs on the held pipes are forked by the
// fork server (fork-server.ts) where it can take them: a fork of this Node
// process costs more than the rest of a trivial datum's run. It starts the
// direct runner (direct-runner.ts) on fd 5 when the worker gives one: the
// worker then sends the runs on the held pipes it can take straight to it, and
// this runner has no part in them. When its stdin
// closes (the worker went away) it kills everything it started and exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, readlinkSync, writeSync } from 'node:fs';
import { encodeFrame, readFrames } from '../src/worker-protocol/framing.js';
import type { RunCommand, RunnerCommand, RunnerEvent } from './runner-protocol.js';
import { leftovers, ProcView } from './run-leftovers.js';
import { ReapedCpu, UsageMeter } from './usage.js';
import { forkable, ForkServer, type ForkRun } from './fork-server.js';
import { DIRECT_ARG, DIRECT_FD, startDirectRunner } from './direct-runner.js';
import { withMemoryLimit } from './memory-limit.js';
import type { DatumUsage } from './usage.js';

/** The held output pipes (given by the worker to a confined runner). */
const HELD_STDOUT = 3;
const HELD_STDERR = 4;
/** The longest pause between two looks at what a run left (a process that kept its output may live long). */
const LEFTOVER_POLL_MAX_MS = 100;
/** How many looks in a row may find a process whose files cannot be read before the held pipes are given up. */
const UNREADABLE_LOOKS = 5;

/** The runs going: their process group (once known) and how to kill it. */
const running = new Map<number, Group>();
/** Forks the runs on the held pipes (started at the first; undefined where there is no perl). */
let forkServer: ForkServer | undefined;
let forkServerTried = false;
/** The direct runner (direct-runner.ts) the worker sends most runs on the held pipes to, while it lives. */
let direct = process.argv.includes(DIRECT_ARG) ? startDirectRunner() : undefined;
/** The CPU of the code this runner reaped, read per datum. */
const reaped = new ReapedCpu();
/** What is left in the sandbox after a run on the held pipes. */
const proc = new ProcView();

function send(event: RunnerEvent): void {
  process.stdout.write(encodeFrame(event));
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** A run going: its process group once it started, and whether it was asked to die before (then it dies at its start). */
class Group {
  pid: number | undefined;
  private killAsked = false;

  kill(): void {
    this.killAsked = true;
    killGroup(this.pid);
  }

  started(pid: number | undefined): void {
    this.pid = pid;
    if (this.killAsked) killGroup(pid);
  }
}

type ExitEvent = Omit<Extract<RunnerEvent, { ev: 'exit' }>, 'ev' | 'id'>;

function run(cmd: RunCommand): void {
  let finished = false;
  let timer: NodeJS.Timeout | undefined;
  const group = new Group();
  const finish = (event: ExitEvent) => {
    if (finished) return;
    finished = true;
    if (timer) clearTimeout(timer);
    if (cmd.endMark === undefined) {
      running.delete(cmd.id);
      return send({ ev: 'exit', id: cmd.id, ...event });
    }
    const mark = cmd.endMark;
    void endHeld(cmd.id, group.pid).then(async (retire) => {
      running.delete(cmd.id);
      const exit: RunnerEvent = { ev: 'exit', id: cmd.id, ...event, ...(retire && { heldRetired: true }) };
      // stderr's mark first: the worker has it by the time it reads stdout's, which the exit frame follows (one write).
      // A pipe the code shut down (shutdown(2) on its stdout) takes no mark: the exit then goes on the runner's stdout,
      // saying which marks are missing, and the held pipes are given up.
      const errMarked = await writeAll(HELD_STDERR, mark);
      const outMarked = await writeAll(HELD_STDOUT, errMarked ? mark + encodeFrame(exit) : mark);
      if (!errMarked || !outMarked) {
        const heldUnmarked = [...(outMarked ? [] : ['stdout' as const]), ...(errMarked ? [] : ['stderr' as const])];
        send({ ...exit, heldRetired: true, heldUnmarked });
      }
    });
  };
  let cwd = cmd.cwd || '/';
  if (!existsSync(cwd)) {
    if (cmd.cwdRequired) return finish({ code: null, signal: null, timedOut: false, error: `working directory ${cwd} does not exist` });
    cwd = '/';
  }
  if (cmd.cmd.length === 0) return finish({ code: null, signal: null, timedOut: false, error: 'the command is empty' });
  const timing = { timedOut: false };
  running.set(cmd.id, group);
  if (cmd.timeoutMs > 0) {
    timer = setTimeout(() => {
      timing.timedOut = true;
      group.kill();
    }, cmd.timeoutMs);
  }
  const argv = withMemoryLimit(cmd.cmd, cmd.memoryLimitBytes);
  const fork = { id: cmd.id, argv, env: cmd.env, cwd, stdin: cmd.stdin };
  const server = cmd.endMark === undefined ? undefined : theForkServer();
  // The server lost before the program started (it died): the runner spawns it itself.
  if (server?.idle && forkable(fork, cmd.uid)) forkRun(server, fork, group, timing, finish, () => spawnRun(cmd, argv, cwd, group, timing, finish));
  else spawnRun(cmd, argv, cwd, group, timing, finish);
}

/** The fork server, started at the first run on the held pipes. */
function theForkServer(): ForkServer | undefined {
  // Beside the direct runner, the runs it cannot take could not be taken by the fork server either.
  if (direct) return undefined;
  if (!forkServerTried) {
    forkServerTried = true;
    forkServer = ForkServer.start();
  }
  return forkServer;
}

/** A run on the held pipes, forked by the fork server. */
function forkRun(server: ForkServer, fork: ForkRun, group: Group, timing: { timedOut: boolean }, finish: (e: ExitEvent) => void, unstarted: () => void): void {
  let meter: UsageMeter | undefined;
  server.run(fork, {
    started: (pid) => {
      group.started(pid);
      meter = new UsageMeter(pid, server.reaped);
    },
    unstarted,
    failed: (error) => {
      meter?.stop();
      killGroup(group.pid);
      finish({ code: null, signal: null, timedOut: timing.timedOut, error });
    },
    exited: (code, signal) => {
      const usage = meter?.stop();
      // Whatever the code left running in its group goes with it.
      killGroup(group.pid);
      finish({ code, signal, timedOut: timing.timedOut, ...(usage && { usage }) });
    },
  });
}

/** A run spawned by the runner itself: on pipes of its own (an `out` frame per piece of output), or on the held pipes. */
function spawnRun(cmd: RunCommand, argv: readonly string[], cwd: string, group: Group, timing: { timedOut: boolean }, finish: (e: ExitEvent) => void): void {
  const out = cmd.endMark === undefined ? 'pipe' : undefined;
  let started: ChildProcess;
  try {
    const as = cmd.uid !== undefined ? { uid: cmd.uid, gid: cmd.gid ?? cmd.uid } : {};
    // No stdin lines: stdin is /dev/null, as Pachyderm gives it (and one pipe fewer to set up per datum).
    const stdio = [cmd.stdin === null ? 'ignore' : 'pipe', out ?? HELD_STDOUT, out ?? HELD_STDERR] as const;
    started = spawn(argv[0]!, argv.slice(1), { env: cmd.env, cwd, detached: true, stdio: [...stdio], ...as });
  } catch (err) {
    return finish({ code: null, signal: null, timedOut: false, error: (err as Error).message });
  }
  group.started(started.pid);
  const meter = started.pid === undefined ? undefined : new UsageMeter(started.pid, reaped);
  let usage: DatumUsage | undefined;
  if (out) {
    for (const stream of ['stdout', 'stderr'] as const) {
      started[stream]!.setEncoding('utf8');
      started[stream]!.on('data', (data: string) => send({ ev: 'out', id: cmd.id, stream, data }));
    }
  }
  started.stdin?.on('error', () => {}); // the code may exit without reading its stdin
  started.stdin?.end(cmd.stdin);
  started.on('error', (err) => {
    meter?.stop();
    finish({ code: null, signal: null, timedOut: timing.timedOut, error: err.message });
  });
  // Whatever the code left running in its group goes with it; then 'close' comes once its pipes are shut
  // (held pipes: finish waits for the group to be gone).
  started.on('exit', () => {
    usage = meter?.stop();
    killGroup(started.pid);
  });
  started.on('close', (code, signal) => finish({ code, signal, timedOut: timing.timedOut, ...(usage && { usage }) }));
}

/** The held pipes as /proc/<pid>/fd links read ('socket:[…]'), to find a process that kept them. */
let heldFiles: Set<string> | undefined;

/**
 * After a run on the held pipes: waits until its killed group `pgid` is gone and no other process holds the
 * pipes (a run on pipes of its own waits the same for them to close); true when they must be given up
 * (whether a process holds them cannot be read, or they were left non-blocking).
 */
async function endHeld(id: number, pgid: number | undefined): Promise<boolean> {
  let pause = 1;
  let unknown = 0;
  for (;;) {
    const live = new Set<number>();
    for (const [other, r] of running) if (other !== id && r.pid !== undefined) live.add(r.pid);
    // The fork server and the direct runner hold the pipes for their life, in groups of their own: not looked at.
    if (forkServer) live.add(forkServer.pid);
    if (direct?.pid !== undefined) live.add(direct.pid);
    let left;
    try {
      heldFiles ??= new Set([readlinkSync(`/proc/self/fd/${HELD_STDOUT}`), readlinkSync(`/proc/self/fd/${HELD_STDERR}`)]);
      const files = heldFiles;
      const skip = [1, process.pid, ...(forkServer ? [forkServer.pid] : []), ...(direct?.pid !== undefined ? [direct.pid] : [])];
      left = leftovers(proc.entries(skip), process.pid, pgid ?? -1, live, (pid) => proc.holds(pid, files));
    } catch {
      return true; // no /proc to check with
    }
    // A process may be unreadable for a moment (it is exiting); one that stays so (another user's) ends the held pipes.
    if (left === 'unknown' && ++unknown > UNREADABLE_LOOKS) return true;
    if (left === 'none') return proc.nonBlocking(HELD_STDOUT) || proc.nonBlocking(HELD_STDERR);
    await new Promise((resolve) => setTimeout(resolve, pause));
    pause = Math.min(pause * 2, LEFTOVER_POLL_MAX_MS);
  }
}

/** Writes `text` whole to `fd` (the code may have left it non-blocking: a full pipe is waited out); false when it is shut. */
async function writeAll(fd: number, text: string): Promise<boolean> {
  let rest = Buffer.from(text);
  while (rest.length > 0) {
    try {
      rest = rest.subarray(writeSync(fd, rest));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') return false;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }
  return true;
}

readFrames(process.stdin, (frame) => {
  const cmd = frame as RunnerCommand;
  if (cmd.op === 'run') run(cmd);
  else if (cmd.op === 'kill') running.get(cmd.id)?.kill();
});
process.stdin.on('end', () => {
  for (const r of running.values()) r.kill();
  forkServer?.close();
  process.exit(0);
});
// The direct runner has its end of the worker's socket; this runner keeps none.
if (process.argv.includes(DIRECT_ARG)) {
  try {
    closeSync(DIRECT_FD);
  } catch {
    // already closed
  }
}
direct?.on('exit', () => {
  direct = undefined;
  send({ ev: 'directExited' });
});
send({ ev: 'ready', pid: process.pid, ...(direct?.pid !== undefined && { direct: direct.pid }) });
