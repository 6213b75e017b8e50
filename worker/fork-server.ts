// The sandbox runner's fork server: a small perl process (perl-base, part of
// every Debian system) started once beside the runner, which forks and execs
// the runs on the held output pipes for it. A fork of the Node runner copies
// the page tables of a 40 MB process and its child tears them down again at
// exec; perl's are a tenth of that (per datum ~0.5 ms of CPU less, measured).
// The child is made as Node's detached spawn makes it: a process group of its
// own (not a session: the sandbox has no terminal), stdin /dev/null or a pipe holding the stdin text, stdout
// and stderr on the held pipes (fds 3 and 4, which it does not keep), the
// given environment only, the working folder, the program found on its PATH;
// the server waits for it and reports its exact wait status (a signal apart
// from an exit code). One run at a time: a run it cannot take (another is
// going, a user switch, a NUL in a string, a long stdin text) is spawned by the
// runner itself, as are all runs where there is no perl. Beside the direct
// runner (direct-runner.ts), which takes those runs from the worker itself,
// it is not started.
//
// Protocol on the server's stdin: per run a decimal byte length and a newline,
// then that many bytes: NUL-separated id, cwd, stdin flag (0/1), stdin text,
// argument count, the arguments, then KEY=VALUE pairs. On its stdout, a line
// per event: `s ID PID` (the program runs), `f ID ERRNO` (it could not be
// started: fork, chdir or exec failed), `e ID STATUS` (it ended; wait status).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { LineSplitter } from '../src/worker-protocol/framing.js';
import { PERL_SPAWN } from './perl-spawn.js';
import { ReapedCpu } from './usage.js';

// Builtins only (no module: each one loaded is more memory for every fork to copy), and the child does
// nothing between fork and exec but take its own process group: the server itself sets up what the child
// inherits — its stdout and stderr are the held pipes for its whole life (the protocol moves to fds of its
// own, which like every fd perl opens above 2 are close-on-exec), and before each fork it points its stdin,
// environment and working folder where the run wants them.
const SERVER = String.raw`
use strict;
open(my $cmd, '<&', \*STDIN) or die "stdin: $!"; open(my $ev, '>&', \*STDOUT) or die "stdout: $!";
open(my $o3, '>&=', 3) or die "fd 3: $!"; open(my $o4, '>&=', 4) or die "fd 4: $!";
open(STDIN, '<', '/dev/null') or die "/dev/null: $!";
open(STDOUT, '>&', $o3) or die "fd 3: $!"; open(STDERR, '>&', $o4) or die "fd 4: $!";
close $o3; close $o4;
binmode $cmd; binmode $ev; select((select($ev), $| = 1)[0]);
${PERL_SPAWN}
while (defined(my $len = <$cmd>)) {
  chomp $len;
  my $buf = '';
  while (length($buf) < $len) { my $n = read($cmd, $buf, $len - length($buf), length($buf)); exit 0 unless $n; }
  my @f = split(/\0/, $buf, -1);
  my ($id, $cwd, $hasIn, $in, $argc) = splice(@f, 0, 5);
  my @argv = splice(@f, 0, $argc);
  %ENV = map { my $i = index($_, '='); (substr($_, 0, $i), substr($_, $i + 1)) } @f;
  if (!chdir($cwd)) { print $ev "f $id " . ($! + 0) . "\n"; next; }
  my $iw = stdin_for($hasIn);
  my ($pid, $failed) = spawn_group(\@argv, $hasIn, $iw);
  if ($failed ne '') { print $ev "f $id $failed\n"; next; }
  print $ev "s $id $pid\n";
  if ($hasIn) { local $SIG{PIPE} = 'IGNORE'; syswrite($iw, $in); close $iw; }
  waitpid($pid, 0);
  print $ev "e $id $?\n";
}
`;

/** Stdin texts longer than this go to the runner's own spawn (the server writes them in one go into an empty pipe). */
const MAX_STDIN_BYTES = 16 * 1024;

export interface ForkRun {
  id: number;
  argv: readonly string[];
  env: Record<string, string>;
  cwd: string;
  stdin: string | null;
}

export interface ForkEvents {
  /** The program runs as `pid` (its own session and group). */
  started(pid: number): void;
  /** The server went away before it started the program: the caller may start it another way. */
  unstarted(): void;
  /** It could not be started, or the server went away while it ran: the message Node's spawn would give (`spawn PROGRAM ENOENT`) or why. */
  failed(message: string): void;
  /** It ended, and was reaped (its CPU is in the server's reaped time). */
  exited(code: number | null, signal: string | null): void;
}

/** Pure: a run the server can take exactly as the runner's spawn would (no user switch; strings without NUL; stdin short). */
export function forkable(run: ForkRun, uid: number | undefined): boolean {
  if (uid !== undefined || run.argv.length === 0) return false;
  if (run.stdin !== null && Buffer.byteLength(run.stdin) > MAX_STDIN_BYTES) return false;
  const strings = [run.cwd, run.stdin ?? '', ...run.argv, ...Object.entries(run.env).flat()];
  if (strings.some((s) => s.includes('\0'))) return false;
  return Object.keys(run.env).every((k) => k.length > 0 && !k.includes('='));
}

/** Pure: the request frame for `run`. */
export function encodeRun(run: ForkRun): Buffer {
  const fields = [String(run.id), run.cwd, run.stdin === null ? '0' : '1', run.stdin ?? '', String(run.argv.length), ...run.argv, ...Object.entries(run.env).map(([k, v]) => `${k}=${v}`)];
  const body = Buffer.from(fields.join('\0'));
  return Buffer.concat([Buffer.from(`${body.length}\n`), body]);
}

const SIGNALS = new Map(Object.entries(constants.signals).map(([name, n]) => [n as number, name]));
const ERRNOS = new Map(Object.entries(constants.errno).map(([name, n]) => [n as number, name]));

/** Pure: a wait status as Node's 'exit' gives it (code, or the signal's name). */
export function fromWaitStatus(status: number): { code: number | null; signal: string | null } {
  const sig = status & 0x7f;
  if (sig === 0) return { code: (status >> 8) & 0xff, signal: null };
  return { code: null, signal: SIGNALS.get(sig) ?? `SIG${sig}` };
}

/** Pure: Node's spawn error message for `program` and an errno. */
export function spawnError(program: string, errno: number): string {
  return `spawn ${program} ${ERRNOS.get(errno) ?? `errno ${errno}`}`;
}

export class ForkServer {
  private current: { id: number; program: string; events: ForkEvents; started: boolean } | undefined;
  private readonly lines = new LineSplitter();
  private dead = false;
  /** The CPU of the programs the server reaped. */
  readonly reaped: ReapedCpu;

  private constructor(private readonly child: ChildProcess) {
    this.reaped = new ReapedCpu(`/proc/${child.pid}/stat`);
    child.stdout!.setEncoding('latin1');
    child.stdout!.on('data', (chunk: string) => this.onData(chunk));
    // 'close', not 'exit': every event it wrote is read by then (a program it started is never thought unstarted).
    child.on('close', () => this.die('the fork server exited'));
    child.on('error', () => this.die('the fork server failed'));
    child.stdin!.on('error', () => {}); // it went away: 'close' follows
  }

  /** Starts the server with `output` (the held pipes, fds 3 and 4) as its children's stdout and stderr; undefined where there is no perl. */
  static start(output: readonly [number, number] = [3, 4], path = process.env.PATH ?? '/usr/bin:/bin'): ForkServer | undefined {
    const perl = [...path.split(':').filter(Boolean), '/usr/bin'].map((d) => join(d, 'perl')).find((p) => existsSync(p));
    if (!perl) return undefined;
    try {
      const child = spawn(perl, ['-e', SERVER], { env: {}, detached: true, stdio: ['pipe', 'pipe', 'inherit', output[0], output[1]] });
      return child.pid === undefined ? undefined : new ForkServer(child);
    } catch {
      return undefined;
    }
  }

  /** The server's pid (its own process group). */
  get pid(): number {
    return this.child.pid!;
  }

  /** True when it can take a run now. */
  get idle(): boolean {
    return !this.dead && this.current === undefined;
  }

  /** Starts `run` (the caller checked forkable and idle). */
  run(run: ForkRun, events: ForkEvents): void {
    this.current = { id: run.id, program: run.argv[0]!, events, started: false };
    this.child.stdin!.write(encodeRun(run));
  }

  close(): void {
    this.child.stdin!.end();
  }

  private onData(chunk: string): void {
    for (const line of this.lines.push(chunk)) {
      const [kind, id, value] = line.split(' ');
      const run = this.current;
      if (!run || String(run.id) !== id) continue;
      if (kind === 's') {
        run.started = true;
        run.events.started(Number(value));
      } else if (kind === 'f') {
        this.current = undefined;
        run.events.failed(spawnError(run.program, Number(value)));
      } else if (kind === 'e') {
        this.current = undefined;
        const { code, signal } = fromWaitStatus(Number(value));
        run.events.exited(code, signal);
      }
    }
  }

  private die(reason: string): void {
    if (this.dead) return;
    this.dead = true;
    const run = this.current;
    this.current = undefined;
    if (run?.started) run.events.failed(reason);
    else run?.events.unstarted();
  }
}
