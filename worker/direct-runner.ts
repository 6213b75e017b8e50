// The direct runner: a small perl process (perl-base, part of every Debian
// system) that the sandbox runner starts once beside itself, and to which the
// worker sends the runs on the held output pipes (held-output.ts) straight,
// on a socket of their own (the sandbox's fd 5). It does all of such a run
// that the Node runner (sandbox-runner.ts) would: the working folder (a
// missing one falls back to /), fork and exec in a process group of its own
// (with the errno when that fails), the time limit, the peak memory (the
// code's own process every 10 ms in its first second, its tree every 100 ms,
// as usage.ts), the CPU it reaped, SIGKILL of the group at the end, the wait
// for what the group left (run-leftovers.ts: a process of the group still
// dying, or one that kept the pipes), the check that the pipes were not left
// non-blocking, the end marks and the exit frame after stdout's mark. The Node
// runner then has no part in a datum: one process and two wake-ups fewer per
// datum. Runs it cannot take as Node's spawn would (a user switch, a NUL in a
// string, a long stdin text), and every run where it is missing (no perl, no
// pidfd_open), go to the Node runner as before.
//
// Protocol. Worker → perl, per command a decimal byte length, a newline, then
// that many bytes of NUL-separated fields: `r`, id, cwd, cwd required (0/1),
// time limit ms (0: none), the mark without its NULs, stdin flag (0/1), stdin
// text, argument count, the arguments, then KEY=VALUE pairs; or `k`, id (kill
// the run's group). Perl → worker on the same socket, frames (one JSON line):
// `{"ev":"ready","pid":N}` once, and an exit frame when a mark could not be
// written (heldUnmarked, as the Node runner's). The exit frame after the mark
// carries the raw wait `status`, or `errno` (it could not be started), or
// `cwdMissing`; toRunnerExit() makes it the Node runner's. EOF on the socket
// (the worker is gone): it kills the group going and exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, fstatSync } from 'node:fs';
import { join } from 'node:path';
import { fromWaitStatus, spawnError } from './fork-server.js';
import { PERL_SPAWN } from './perl-spawn.js';
import type { RunnerEvent } from './runner-protocol.js';
import type { DatumUsage } from './usage.js';

/** The direct runner's socket in the sandbox runner (given by the worker beside the held pipes, fds 3 and 4). */
export const DIRECT_FD = 5;
/** The sandbox runner's argument saying it was given that socket (its fd 5 is otherwise one of Node's own). */
export const DIRECT_ARG = `--direct-fd=${DIRECT_FD}`;

// Builtins only (no module: each one is memory every fork copies). No signal handler: the end of the code's
// process is seen on a pidfd (pidfd_open, Linux 5.3), so no wake-up is lost between a look and a wait. Time is
// /proc/uptime (10 ms steps; perl-base has no Time::HiRes). Every fd perl opens above 2 is close-on-exec.
// SIGPIPE is ignored (a mark written to a pipe the code shut is an error, not perl's end) but not in the code.
const SCRIPT = String.raw`
use strict;
$SIG{PIPE} = 'IGNORE';
open(my $ch, '+<&', \*STDIN) or die "fd 0: $!";
open(STDIN, '<', '/dev/null') or die "/dev/null: $!";
binmode $ch;
my $runner = getppid();
my $me = $$;
my $self = syscall(434, $$ + 0, 0);
exit 3 if $self < 0;
{ open(my $h, '<&=', $self) or exit 3; close $h; }
open(my $up, '<', '/proc/uptime') or exit 3;
my %held = map { (readlink("/proc/self/fd/$_") // exit 3) => 1 } (1, 2);
my $inbuf = '';
my @queue;
my $cur;
${PERL_SPAWN}
syswrite($ch, "{\"ev\":\"ready\",\"pid\":$$}\n");
for (;;) {
  my $r = shift(@queue) // next_record(undef);
  my @f = split(/\0/, $r, -1);
  run(@f[1 .. $#f]) if $f[0] eq 'r';
}

sub now { my $b = ''; sysseek($up, 0, 0); sysread($up, $b, 64); return (split(/ /, $b))[0] * 1000; }

sub gone { kill 9, -$cur->{pid} if $cur && $cur->{pid}; exit 0; }

# Reads commands until one is whole (or the wait runs out: undef); kills asked for the run going are done here.
sub next_record {
  my ($timeout) = @_;
  for (;;) {
    my $nl = index($inbuf, "\n");
    if ($nl >= 0) {
      my $len = substr($inbuf, 0, $nl);
      if (length($inbuf) >= $nl + 1 + $len) {
        my $r = substr($inbuf, $nl + 1, $len);
        substr($inbuf, 0, $nl + 1 + $len) = '';
        if (substr($r, 0, 2) eq "k\0") { kill_run(substr($r, 2)); next; }
        return $r;
      }
    }
    if (defined $timeout) {
      my $rin = ''; vec($rin, fileno($ch), 1) = 1;
      return undef unless select($rin, undef, undef, $timeout) > 0;
    }
    my $n = sysread($ch, $inbuf, 65536, length $inbuf);
    gone() unless $n;
    $timeout = 0 if defined $timeout;
  }
}

sub kill_run { my ($id) = @_; if ($cur && $cur->{id} eq $id) { $cur->{killed} = 1; kill 9, -$cur->{pid} if $cur->{pid}; } }

sub status_kb { my ($pid) = @_; sysopen(my $s, "/proc/$pid/status", 0) or return (0, 0); my $t = ''; sysread($s, $t, 16384);
  return (($t =~ /^VmRSS:\s+(\d+)/m ? $1 : 0), ($t =~ /^VmHWM:\s+(\d+)/m ? $1 : 0)); }

sub sample_root { my ($rss, $hwm) = status_kb($cur->{pid}); $cur->{peak} = $rss if $rss > $cur->{peak}; $cur->{peak} = $hwm if $hwm > $cur->{peak}; }

sub sample_tree {
  my %kids;
  opendir(my $d, '/proc') or return;
  for my $e (readdir $d) {
    next unless $e =~ /^\d+$/;
    open(my $s, '<', "/proc/$e/stat") or next;
    my $st = <$s> // next;
    push @{$kids{$1}}, $e if substr($st, rindex($st, ')') + 2) =~ /^\S+ (\d+)/;
  }
  my ($sum, @todo) = (0, $cur->{pid});
  while (@todo) {
    my $p = pop @todo;
    my ($rss, $hwm) = status_kb($p);
    $sum += $rss;
    $cur->{peak} = $hwm if $hwm > $cur->{peak};
    push @todo, @{$kids{$p} // []};
  }
  $cur->{peak} = $sum if $sum > $cur->{peak};
}

sub run {
  my ($id, $cwd, $cwdRequired, $timeoutMs, $mark, $hasIn, $in, $argc, @rest) = @_;
  my @argv = splice(@rest, 0, $argc);
  $cur = { id => $id, pid => 0, killed => 0, peak => 0 };
  my $exit;
  if (!-e $cwd) { if ($cwdRequired) { $exit = '"cwdMissing":true'; } else { $cwd = '/'; } }
  if (!$exit) {
    set_env(@rest);
    $exit = start($cwd, \@argv, $hasIn, $in, $timeoutMs);
  }
  kill 9, -$cur->{pid} if $cur->{pid};
  my $retire = end_held();
  my $frame = "{\"ev\":\"exit\",\"id\":$id,$exit" . ($retire ? ',"heldRetired":true' : '') . '}';
  $mark = "\0$mark\0";
  my $errMarked = write_all(\*STDERR, $mark);
  my $outMarked = write_all(\*STDOUT, $errMarked ? "$mark$frame\n" : $mark);
  if (!$errMarked || !$outMarked) {
    my @un = ((!$outMarked ? '"stdout"' : ()), (!$errMarked ? '"stderr"' : ()));
    substr($frame, -1) = ',"heldRetired":true,"heldUnmarked":[' . join(',', @un) . ']}';
    syswrite($ch, "$frame\n");
  }
  $cur = undef;
}

# %ENV made exactly the run's KEY=VALUE pairs, changing only what differs from the run before (most of it is
# the same every datum: each change rebuilds perl's environ).
sub set_env {
  my %want = map { my $i = index($_, '='); (substr($_, 0, $i), substr($_, $i + 1)) } @_;
  for my $k (keys %ENV) { delete $ENV{$k} unless exists $want{$k}; }
  while (my ($k, $v) = each %want) { $ENV{$k} = $v unless defined $ENV{$k} && $ENV{$k} eq $v; }
}

# Forks and waits for the code; what the exit frame says of it (without id).
sub start {
  my ($cwd, $argv, $hasIn, $in, $timeoutMs) = @_;
  if (!chdir($cwd)) { return '"errno":' . ($! + 0) . ',"timedOut":false'; }
  my $iw = stdin_for($hasIn);
  my (undef, undef, $cu0, $cs0) = times;
  my ($pid, $failed) = spawn_group($argv, $hasIn, $iw);
  return "\"errno\":$failed,\"timedOut\":false" if $failed ne '';
  $cur->{pid} = $pid;
  kill 9, -$pid if $cur->{killed};
  my $t0 = now();
  sample_root();
  if ($hasIn) { syswrite($iw, $in); close $iw; }
  my $pidfd = syscall(434, $pid + 0, 0);
  my $ph;
  open($ph, '<&=', $pidfd) if $pidfd >= 0;
  my ($timedOut, $nextRoot, $nextTree) = (0, 10, 100);
  for (;;) {
    my $rin = ''; vec($rin, fileno($ch), 1) = 1; vec($rin, fileno($ph), 1) = 1 if $ph;
    my $el = now() - $t0;
    my $wait = $nextTree - $el;
    $wait = $nextRoot - $el if $nextRoot <= 1000 && $nextRoot - $el < $wait;
    $wait = $timeoutMs - $el if $timeoutMs > 0 && !$timedOut && $timeoutMs - $el < $wait;
    $wait = 1 if !$ph && $wait > 1;
    $wait = 0 if $wait < 0;
    my $rout;
    my $n = select($rout = $rin, undef, undef, $wait / 1000);
    if ($n > 0 && vec($rout, fileno($ch), 1)) { my $r = next_record(0); push @queue, $r if defined $r; }
    last if waitpid($pid, 1) == $pid;
    $el = now() - $t0;
    if ($timeoutMs > 0 && !$timedOut && $el >= $timeoutMs) { $timedOut = 1; kill 9, -$pid; }
    if ($nextRoot <= 1000 && $el >= $nextRoot) { sample_root(); $nextRoot = ($el - $el % 10) + 10; }
    if ($el >= $nextTree) { sample_tree(); $nextTree = ($el - $el % 100) + 100; }
  }
  my $status = $?;
  close $ph if $ph;
  my (undef, undef, $cu1, $cs1) = times;
  my $cpu = int(($cu1 + $cs1 - $cu0 - $cs0) * 1000 + 0.5);
  return "\"status\":$status,\"timedOut\":" . ($timedOut ? 'true' : 'false') . ",\"usage\":{\"cpuMs\":$cpu,\"peakMemoryBytes\":" . ($cur->{peak} * 1024) . '}';
}

# After the run: waits until its killed group is gone and no other process holds the held pipes; true when they
# must be given up (a process whose files cannot be read stays so, or the code left them non-blocking).
sub end_held {
  my ($pause, $unknown) = (1, 0);
  for (;;) {
    my $left = leftovers($cur->{pid} || -1);
    return 1 if $left eq 'unknown' && ++$unknown > 5;
    return non_blocking(\*STDOUT) || non_blocking(\*STDERR) if $left eq 'none';
    my $r = next_record($pause / 1000);
    push @queue, $r if defined $r;
    $pause = $pause * 2 > 100 ? 100 : $pause * 2;
  }
}

sub leftovers {
  my ($ended) = @_;
  opendir(my $d, '/proc') or return 'unknown';
  my $wait = 0;
  for my $e (readdir $d) {
    next unless $e =~ /^\d+$/;
    next if $e == $me || $e == 1 || $e == $runner;
    open(my $s, '<', "/proc/$e/stat") or next;
    my $st = <$s> // next;
    substr($st, rindex($st, ')') + 2) =~ /^(\S) \d+ (\d+)/ or next;
    next if $1 eq 'Z' || $1 eq 'X';
    if ($2 == $ended) { $wait = 1; next; }
    my $h = holds($e);
    return 'unknown' unless defined $h;
    $wait = 1 if $h;
  }
  return $wait ? 'wait' : 'none';
}

sub holds {
  my ($pid) = @_;
  opendir(my $d, "/proc/$pid/fd") or return $! + 0 == 2 ? 0 : undef;
  for my $fd (readdir $d) { my $l = readlink("/proc/$pid/fd/$fd"); return 1 if defined $l && $held{$l}; }
  return 0;
}

# F_GETFL (3) of the held pipe: O_NONBLOCK (04000) set, or the flags cannot be read.
sub non_blocking {
  my ($fh) = @_;
  my $flags = fcntl($fh, 3, 0);
  return defined $flags ? ($flags & 04000 ? 1 : 0) : 1;
}

# Writes the whole text (a pipe left non-blocking and full is waited out); false when the pipe is shut.
sub write_all {
  my ($fh, $text) = @_;
  while (length $text) {
    my $n = syswrite($fh, $text);
    if (!defined $n) { return 0 unless $! + 0 == 11; select(undef, undef, undef, 0.001); next; }
    substr($text, 0, $n) = '';
  }
  return 1;
}
`;

/**
 * Starts the direct runner (in the sandbox runner): fd 0 the worker's socket (DIRECT_FD), fds 1 and 2 the held
 * pipes (`stdio`: those, or 'pipe's in a test); undefined where it cannot (no socket given, no perl).
 */
export function startDirectRunner(stdio: readonly (number | 'pipe')[] = [DIRECT_FD, 3, 4], path = process.env.PATH ?? '/usr/bin:/bin'): ChildProcess | undefined {
  try {
    if (typeof stdio[0] === 'number') fstatSync(stdio[0]);
  } catch {
    return undefined; // not given one (no sandbox, or an older worker)
  }
  const perl = [...path.split(':').filter(Boolean), '/usr/bin'].map((d) => join(d, 'perl')).find((p) => existsSync(p));
  if (!perl) return undefined;
  try {
    const child = spawn(perl, ['-e', SCRIPT], { env: {}, detached: true, stdio: [...stdio] });
    child.on('error', () => {});
    return child.pid === undefined ? undefined : child;
  } catch {
    return undefined;
  }
}

export interface DirectRun {
  id: number;
  argv: readonly string[];
  env: Record<string, string>;
  cwd: string;
  cwdRequired: boolean;
  timeoutMs: number;
  stdin: string | null;
  /** The end mark: a NUL, text without NULs, a NUL. */
  mark: string;
}

/** Stdin texts longer than this go to the Node runner (perl writes them in one go into an empty pipe), as the fork server's. */
const MAX_STDIN_BYTES = 16 * 1024;

/** Pure: a command's text: its byte length, a newline, the fields apart by NULs. */
function record(body: string): string {
  return `${Buffer.byteLength(body)}\n${body}`;
}

/**
 * Pure: the command for `run`, or undefined when the direct runner cannot take it exactly as the Node runner's
 * spawn would (a NUL in a string, an empty or `=` environment name, no program, a long stdin text). One pass:
 * the worker builds it per datum.
 */
export function encodeDirectRun(run: DirectRun): string | undefined {
  if (run.argv.length === 0 || (run.stdin !== null && Buffer.byteLength(run.stdin) > MAX_STDIN_BYTES)) return undefined;
  const mark = run.mark.slice(1, -1);
  let body = `r\0${run.id}\0${run.cwd}\0${run.cwdRequired ? 1 : 0}\0${Math.max(0, Math.floor(run.timeoutMs))}\0${mark}\0${run.stdin === null ? 0 : 1}\0${run.stdin ?? ''}\0${run.argv.length}`;
  if (body.split('\0').length !== 9) return undefined; // a NUL in cwd, mark or stdin
  for (const a of run.argv) {
    if (a.includes('\0')) return undefined;
    body += `\0${a}`;
  }
  for (const k in run.env) {
    const v = run.env[k]!;
    if (k.length === 0 || k.includes('=') || k.includes('\0') || v.includes('\0')) return undefined;
    body += `\0${k}=${v}`;
  }
  return record(body);
}

/** Pure: the command that kills run `id`'s group. */
export function encodeDirectKill(id: number): string {
  return record(`k\0${id}`);
}

/** The exit frame as perl writes it. */
export interface DirectExit {
  ev: 'exit';
  id: number;
  status?: number;
  errno?: number;
  cwdMissing?: boolean;
  timedOut?: boolean;
  usage?: DatumUsage;
  heldRetired?: boolean;
  heldUnmarked?: ('stdout' | 'stderr')[];
}

/** Pure: perl's exit frame as the Node runner's (`program` and `cwd`: the run's, for the error text). */
export function toRunnerExit(e: DirectExit, program: string, cwd: string): Extract<RunnerEvent, { ev: 'exit' }> {
  const timedOut = e.timedOut === true;
  const held = { ...(e.heldRetired && { heldRetired: true }), ...(e.heldUnmarked && { heldUnmarked: e.heldUnmarked }) };
  if (e.cwdMissing) return { ev: 'exit', id: e.id, code: null, signal: null, timedOut, error: `working directory ${cwd} does not exist`, ...held };
  if (e.errno !== undefined) return { ev: 'exit', id: e.id, code: null, signal: null, timedOut, error: spawnError(program, e.errno), ...held };
  if (typeof e.status !== 'number') return { ev: 'exit', id: e.id, code: null, signal: null, timedOut, error: 'the direct runner sent an unreadable exit', ...held };
  return { ev: 'exit', id: e.id, ...fromWaitStatus(e.status), timedOut, ...(e.usage && { usage: e.usage }), ...held };
}
