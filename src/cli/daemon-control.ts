// Running tuskd in the background for `tusk up` / `tusk down`: spawn bin/tuskd
// detached with its output in $TUSK_HOME/tuskd.log, wait until the record it
// writes when ready ($TUSK_HOME/tuskd.json) names our process and its gRPC
// Version call answers (a certificate this CLI does not trust ends the wait at
// once, the daemon left running); stop it with SIGTERM and wait until it is gone.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isTuskError, TuskError } from '../errors/index.js';
import { processStartTicks } from '../runtime/process-start.js';
import { readDaemonRecord, recordAddress, type DaemonRecord } from './address.js';
import { localError } from './local-files.js';

export interface UpOptions {
  home: string;
  port?: number;
  s3Port?: number;
  httpPort?: number;
  storage?: string;
  env: NodeJS.ProcessEnv;
  /** The CA file Node was started without (CliIO.deferredCaCerts), for a daemon at a grpcs:// address. */
  deferredCaCerts?: string;
  /** The tuskd script to run (default: bin/tuskd of this package). */
  tuskd?: string;
  timeoutMs?: number;
}

export interface UpResult {
  alreadyRunning: boolean;
  address: string;
  record: DaemonRecord;
  version: string;
  log: string;
}

const TUSKD = fileURLToPath(new URL('../../../bin/tuskd', import.meta.url));

/** EACCES, ENOTDIR, EROFS on the home: one line naming it, not Node's `EACCES: permission denied, mkdir '...'`. */
function homeError(home: string, err: unknown): TuskError {
  const { message } = localError(`TUSK_HOME ${home}`, err);
  return new TuskError('failed_precondition', 'HomeUnwritable', `${message} (the daemon keeps its data there: choose a folder you can write with --home or TUSK_HOME)`, { home });
}

export async function daemonUp(opts: UpOptions): Promise<UpResult> {
  const { home } = opts;
  const log = join(home, 'tuskd.log');
  await mkdir(home, { recursive: true }).catch((err) => {
    throw homeError(home, err);
  });
  const running = await runningDaemon(home, opts.deferredCaCerts);
  if (running) return { alreadyRunning: true, log, ...running };
  const args = [opts.tuskd ?? TUSKD, '--home', home];
  if (opts.port !== undefined) args.push('--port', String(opts.port));
  if (opts.s3Port !== undefined) args.push('--s3-port', String(opts.s3Port));
  if (opts.httpPort !== undefined) args.push('--http-port', String(opts.httpPort));
  if (opts.storage !== undefined) args.push('--storage', opts.storage);
  let logFd: number;
  try {
    logFd = openSync(log, 'a');
  } catch (err) {
    throw homeError(home, err);
  }
  let exited: { code: number | null; signal: string | null } | undefined;
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', logFd, logFd], env: { ...opts.env, TUSK_HOME: home } });
  closeSync(logFd);
  child.on('exit', (code, signal) => (exited = { code, signal }));
  child.unref();
  const logStart = safeSize(log);
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    await sleep(100);
    if (exited) throw new TuskError('unavailable', 'DaemonFailed', `tuskd exited before it was ready (${exited.signal ?? `code ${exited.code}`}): ${lastLogMessage(log, logStart)}`);
    const record = readDaemonRecord(home);
    if (!record || record.pid !== child.pid) continue;
    const version = await versionAt(recordAddress(record), opts.deferredCaCerts).catch((err: unknown) => {
      // It is up and serving: say so, and leave it running for a CLI that trusts it.
      if (isTuskError(err) && err.code === 'DaemonUntrusted') throw new TuskError('unavailable', 'DaemonUntrusted', `tuskd started (pid ${child.pid}) and is left running, but ${err.message}`);
      throw err;
    });
    if (version) return { alreadyRunning: false, address: recordAddress(record), record, version, log };
  }
  child.kill('SIGTERM');
  throw new TuskError('unavailable', 'DaemonTimeout', `tuskd did not become ready within ${Math.round((opts.timeoutMs ?? 30_000) / 1000)}s; see ${log}`);
}

/** The daemon serving `home`, when its record names a live process that answers. */
export async function runningDaemon(home: string, deferredCaCerts?: string): Promise<{ address: string; record: DaemonRecord; version: string } | undefined> {
  const record = readDaemonRecord(home);
  if (!record || !isAlive(record.pid) || !sameStart(record.pid, record)) return undefined;
  const address = recordAddress(record);
  const version = await versionAt(address, deferredCaCerts);
  return version ? { address, record, version } : undefined;
}

export interface DownResult {
  /** The pid stopped, or undefined when no daemon was running. */
  pid?: number;
  stale: boolean;
}

export async function daemonDown(home: string, timeoutMs = 30_000): Promise<DownResult> {
  const pid = await readPid(home);
  if (pid === undefined) return { stale: false };
  // A daemon that died (killed, out of memory, power cut) leaves its pid behind, and the kernel may give that pid
  // to any later process: one that started at another time is not this home's daemon, and is never signalled.
  if (!isAlive(pid) || !sameStart(pid, readDaemonRecord(home))) {
    await rm(join(home, 'tuskd.pid'), { force: true });
    await rm(join(home, 'tuskd.json'), { force: true });
    return { stale: true };
  }
  try {
    process.kill(pid, 'SIGTERM');
    // A stopped daemon (SIGSTOP, ^Z) holds SIGTERM until it is continued: continue it, so it stops as asked.
    process.kill(pid, 'SIGCONT');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw new TuskError('failed_precondition', 'DaemonStopFailed', `cannot stop tuskd (pid ${pid}): ${(err as Error).message}`);
  }
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) throw new TuskError('unavailable', 'DaemonStopTimeout', `tuskd (pid ${pid}) did not stop within ${Math.round(timeoutMs / 1000)}s`);
    await sleep(50);
  }
  return { pid, stale: false };
}

async function readPid(home: string): Promise<number | undefined> {
  const text = await readFile(join(home, 'tuskd.pid'), 'utf8').catch(() => undefined);
  const pid = Number(text?.trim());
  if (Number.isSafeInteger(pid) && pid > 0) return pid;
  return readDaemonRecord(home)?.pid;
}

/** False when the record says when the daemon with `pid` started and process `pid` started at another time. */
function sameStart(pid: number, record: DaemonRecord | undefined): boolean {
  if (record?.pid !== pid || record.startTicks === undefined) return true;
  const now = processStartTicks(pid);
  return now === undefined || now === record.startTicks;
}

/** True while the process exists and is not a zombie waiting to be reaped. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/** The daemon's version when its gRPC API answers within `timeoutMs`, else undefined. */
export async function versionAt(address: string, deferredCaCerts?: string, timeoutMs = 2000): Promise<string | undefined> {
  const { TuskClient, isTlsAddress, tlsCa } = await import('../client/file-system.js'); // gRPC is loaded only by the commands that talk to tuskd
  const client = new TuskClient(address, { ca: tlsCa(process.env, isTlsAddress(address) ? deferredCaCerts : undefined) });
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)));
    // Any failure means "not answering (yet)", except a certificate this CLI does not trust: waiting does not mend that.
    const answer = client.version().then(
      (v) => (v as { version: string }).version,
      (err: unknown) => {
        if (isTuskError(err) && err.code === 'DaemonUntrusted') throw err;
        return undefined;
      },
    );
    return await Promise.race([answer, timeout]);
  } finally {
    clearTimeout(timer);
    client.close();
  }
}

function safeSize(path: string): number {
  try {
    return readFileSync(path).length;
  } catch {
    return 0;
  }
}

/** The message of the last JSON log line tuskd wrote after `from` (or its last line of text). */
export function lastLogMessage(path: string, from = 0): string {
  let text = '';
  try {
    text = readFileSync(path).subarray(from).toString('utf8');
  } catch {
    return `no log at ${path}`;
  }
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  for (const line of lines.reverse()) {
    try {
      const entry = JSON.parse(line) as { message?: string; event?: string };
      if (entry.message) return entry.message;
    } catch {
      if (!line.startsWith('usage:')) return line;
    }
  }
  return `see ${path}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
