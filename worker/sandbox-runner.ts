// The sandbox runner (`node dist/worker/sandbox-runner.js`): the one process a
// worker starts inside its long-lived sandbox (or directly, without one). It
// reads RunCommands on stdin and spawns each in its own process group with the
// given environment, stdin, working folder, time limit, user (transform.user)
// and address-space limit (resource_limits.memory, by `ulimit -v`), and writes output
// and exit events on stdout (runner-protocol.ts). When its stdin closes (the
// worker went away) it kills everything it started and exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { encodeFrame, readFrames } from '../src/worker-protocol/framing.js';
import type { RunCommand, RunnerCommand, RunnerEvent } from './runner-protocol.js';
import { ReapedCpu, UsageMeter } from './usage.js';
import type { DatumUsage } from './usage.js';

const running = new Map<number, { child: ChildProcess; kill(): void }>();
/** The CPU of the code this runner reaped, read per datum. */
const reaped = new ReapedCpu();

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

function run(cmd: RunCommand): void {
  let finished = false;
  let timer: NodeJS.Timeout | undefined;
  const finish = (event: Omit<Extract<RunnerEvent, { ev: 'exit' }>, 'ev' | 'id'>) => {
    if (finished) return;
    finished = true;
    if (timer) clearTimeout(timer);
    running.delete(cmd.id);
    send({ ev: 'exit', id: cmd.id, ...event });
  };
  let cwd = cmd.cwd || '/';
  if (!existsSync(cwd)) {
    if (cmd.cwdRequired) return finish({ code: null, signal: null, timedOut: false, error: `working directory ${cwd} does not exist` });
    cwd = '/';
  }
  if (cmd.cmd.length === 0) return finish({ code: null, signal: null, timedOut: false, error: 'the command is empty' });
  let timedOut = false;
  let child: ChildProcess;
  try {
    const argv = withMemoryLimit(cmd.cmd, cmd.memoryLimitBytes);
    const as = cmd.uid !== undefined ? { uid: cmd.uid, gid: cmd.gid ?? cmd.uid } : {};
    // No stdin lines: stdin is /dev/null, as Pachyderm gives it (and one pipe fewer to set up per datum).
    child = spawn(argv[0]!, argv.slice(1), { env: cmd.env, cwd, detached: true, stdio: [cmd.stdin === null ? 'ignore' : 'pipe', 'pipe', 'pipe'], ...as });
  } catch (err) {
    return finish({ code: null, signal: null, timedOut: false, error: (err as Error).message });
  }
  if (cmd.timeoutMs > 0) {
    timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, cmd.timeoutMs);
  }
  const meter = child.pid === undefined ? undefined : new UsageMeter(child.pid, reaped);
  let usage: DatumUsage | undefined;
  running.set(cmd.id, { child, kill: () => killGroup(child.pid) });
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream]!.setEncoding('utf8');
    child[stream]!.on('data', (data: string) => send({ ev: 'out', id: cmd.id, stream, data }));
  }
  child.stdin?.on('error', () => {}); // the code may exit without reading its stdin
  child.stdin?.end(cmd.stdin);
  child.on('error', (err) => {
    meter?.stop();
    finish({ code: null, signal: null, timedOut, error: err.message });
  });
  // Whatever the code left running in its group goes with it; then 'close' comes once its pipes are shut.
  child.on('exit', () => {
    usage = meter?.stop();
    killGroup(child.pid);
  });
  child.on('close', (code, signal) => finish({ code, signal, timedOut, ...(usage && { usage }) }));
}

/** The command under `ulimit -v` (RLIMIT_AS, in KiB) when a memory limit is set: the shell sets it, then execs the command. */
function withMemoryLimit(argv: readonly string[], bytes: number | undefined): readonly string[] {
  if (!bytes || bytes <= 0) return argv;
  return ['/bin/sh', '-c', 'ulimit -v "$1" && shift && exec "$@"', 'tusk-memory-limit', String(Math.max(1, Math.floor(bytes / 1024))), ...argv];
}

readFrames(process.stdin, (frame) => {
  const cmd = frame as RunnerCommand;
  if (cmd.op === 'run') run(cmd);
  else if (cmd.op === 'kill') running.get(cmd.id)?.kill();
});
process.stdin.on('end', () => {
  for (const r of running.values()) r.kill();
  process.exit(0);
});
send({ ev: 'ready', pid: process.pid });
