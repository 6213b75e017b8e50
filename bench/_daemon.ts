// Shared pieces of the end-to-end benchmarks (not a benchmark itself: its name
// starts with '_'): a real tuskd (bin/tuskd, the built daemon) in a child
// process on free loopback ports with a temporary TUSK_HOME, the real `tusk`
// CLI as a child process, timing, argument parsing and the result table.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, healthy } from '../test/helpers/daemon.js';

export { freePort };

/** The repository root (dist/bench/_daemon.js → ../../). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const TUSKD = join(ROOT, 'bin/tuskd');
export const TUSK = join(ROOT, 'bin/tusk');

export interface BenchDaemon {
  address: string;
  home: string;
  /** Environment for a `tusk` child process that talks to this daemon. */
  env: NodeJS.ProcessEnv;
  process: ChildProcess;
  logs(): string;
  /** SIGTERM, wait for exit; removes the home unless it was given or keepHome is set. */
  stop(options?: { keepHome?: boolean }): Promise<void>;
}


/**
 * Starts tuskd on free ports with a fresh temp home (removed by stop()), or on
 * `home` (kept). `nodeArgs` go to node before the script (e.g. --cpu-prof).
 */
export async function startDaemon(options: { nodeArgs?: string[]; env?: Record<string, string>; home?: string } = {}): Promise<BenchDaemon> {
  const ownHome = options.home === undefined;
  const home = options.home ?? (await mkdtemp(join(tmpdir(), 'tusk-bench-home-')));
  const [port, httpPort, s3Port] = [await freePort(), await freePort(), await freePort()];
  const args = [...(options.nodeArgs ?? []), TUSKD, '--home', home, '--port', String(port), '--http-port', String(httpPort), '--s3-port', String(s3Port)];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...options.env, TUSK_HOME: home } });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 30_000;
  while (!(await healthy(httpPort))) {
    if (gone) throw new Error(`tuskd exited before it was ready:\n${stderr}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`tuskd was not healthy within 30 s:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const address = `127.0.0.1:${port}`;
  return {
    address,
    home,
    env: { ...process.env, TUSK_ADDRESS: address, TUSK_HOME: home },
    process: child,
    logs: () => stderr,
    async stop({ keepHome = false } = {}) {
      if (!gone) child.kill('SIGTERM');
      await exited;
      if (ownHome && !keepHome) await rm(home, { recursive: true, force: true, maxRetries: 5 });
    },
  };
}

/** Runs a command to completion; rejects on a non-zero exit with its stderr. Resolves with stdout. */
export function run(cmd: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${Buffer.concat(err).toString('utf8').trim()}`));
    });
  });
}

/** Runs the built `tusk` CLI against a daemon. */
export function tusk(daemon: BenchDaemon, args: readonly string[]): Promise<string> {
  return run(process.execPath, [TUSK, ...args], { env: daemon.env });
}

/** CPU seconds (user + system, all threads) a running process has used so far, from /proc (Linux). */
export function cpuOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** CPU seconds used by this process's children that have exited and been waited for (the CLI runs, `cp`). */
export function cpuOfChildren(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS;
}

const CLOCK_TICKS = 100; // USER_HZ: 100 on every Linux this runs on

/** The 1-minute load average: on a shared machine it says how much CPU the runs competed for. */
export function loadAverage(): string {
  return loadavg()[0]!.toFixed(2);
}

/** Seconds an async function takes. */
export async function seconds(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** `--name value` from the command line, or the fallback. */
export function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

export function flag(name: string): boolean {
  return process.argv.includes(`--${name}`);
}

/** Prints rows as an aligned table. */
export function table(header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  console.log('');
  for (const r of cells) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
  console.log('');
}
