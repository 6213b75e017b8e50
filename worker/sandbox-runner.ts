// The sandbox runner (`node dist/worker/sandbox-runner.js`): the one process a
// worker starts inside its long-lived sandbox (or directly, without one). It
// reads RunCommands on stdin and spawns each in its own process group with the
// given environment, stdin, working folder and time limit, and writes output
// and exit events on stdout (runner-protocol.ts). When its stdin closes (the
// worker went away) it kills everything it started and exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { encodeFrame, readFrames } from '../src/worker-protocol/framing.js';
import type { RunCommand, RunnerCommand, RunnerEvent } from './runner-protocol.js';

const running = new Map<number, { child: ChildProcess; kill(): void }>();

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
    child = spawn(cmd.cmd[0]!, cmd.cmd.slice(1), { env: cmd.env, cwd, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (err) {
    return finish({ code: null, signal: null, timedOut: false, error: (err as Error).message });
  }
  if (cmd.timeoutMs > 0) {
    timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, cmd.timeoutMs);
  }
  running.set(cmd.id, { child, kill: () => killGroup(child.pid) });
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream]!.setEncoding('utf8');
    child[stream]!.on('data', (data: string) => send({ ev: 'out', id: cmd.id, stream, data }));
  }
  child.stdin!.on('error', () => {}); // the code may exit without reading its stdin
  child.stdin!.end(cmd.stdin ?? undefined);
  child.on('error', (err) => finish({ code: null, signal: null, timedOut, error: err.message }));
  // Whatever the code left running in its group goes with it; then 'close' comes once its pipes are shut.
  child.on('exit', () => killGroup(child.pid));
  child.on('close', (code, signal) => finish({ code, signal, timedOut }));
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
