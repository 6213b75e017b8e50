// Deciding what a datum's run means: success (exit 0 or an accepted return
// code), another try (up to datum_tries runs in all), err_cmd after the last
// failed try (its exit 0 makes the datum "recovered"), or failure — and the
// one-line reason a failed datum carries ("exit code 3: <last stderr line>",
// "datum timed out after 5s"). Pure.
import { formatDuration } from '../src/worker-protocol/index.js';
import type { DatumUsage } from './usage.js';

export interface RunResult {
  /** Exit code, or null when killed by a signal or never started. */
  code: number | null;
  signal: string | null;
  timedOut: boolean;
  /** Why the command could not be started at all (ENOENT, bad working dir). */
  error?: string;
  /** CPU time and peak memory of the code (usage.ts). */
  usage?: DatumUsage;
}

export interface RetryPolicy {
  datumTries: number;
  acceptReturnCode: readonly number[];
  hasErrCmd: boolean;
}

export type Step = 'succeed' | 'retry' | 'errCmd' | 'fail';

export function accepted(r: RunResult, acceptReturnCode: readonly number[]): boolean {
  return !r.timedOut && r.error === undefined && r.code !== null && (r.code === 0 || acceptReturnCode.includes(r.code));
}

/** What to do after run number `tries` (1-based) ended with `r`. */
export function afterTry(r: RunResult, tries: number, p: RetryPolicy): Step {
  if (accepted(r, p.acceptReturnCode)) return 'succeed';
  if (tries < Math.max(1, p.datumTries)) return 'retry';
  return p.hasErrCmd ? 'errCmd' : 'fail';
}

/** err_cmd decides: exit 0 recovers the datum. */
export function afterErrCmd(r: RunResult): 'recovered' | 'fail' {
  return !r.timedOut && r.error === undefined && r.code === 0 ? 'recovered' : 'fail';
}

/** Signs in a failed run that the code ran out of memory (malloc failing under RLIMIT_AS, or a kill). */
const OOM_TEXT = /out of memory|MemoryError|Cannot allocate memory|bad_alloc|ENOMEM|allocation fail|memory exhausted|Killed/i;

/**
 * With resource_limits.memory set, the reason of a failed run that looks like memory running out
 * names the limit (`out of memory: the code exceeded resource_limits.memory 64Mi (...)`); else `reason`.
 */
export function memoryReason(r: RunResult, reason: string, lastStderr: string, limit: string): string {
  if (!limit || r.timedOut || r.error !== undefined) return reason;
  const killed = r.code === null && (r.signal === 'SIGKILL' || r.signal === 'SIGSEGV' || r.signal === 'SIGABRT' || r.signal === 'SIGBUS');
  if (!killed && !OOM_TEXT.test(lastStderr)) return reason;
  return `out of memory: the code exceeded resource_limits.memory ${limit} (${reason})`;
}

/** The reason a failed run gives. */
export function failureReason(r: RunResult, timeoutMs: number | undefined, lastStderr: string): string {
  const tail = lastStderr ? `: ${lastStderr}` : '';
  if (r.timedOut) return `datum timed out after ${formatDuration(timeoutMs ?? 0)}`;
  if (r.error !== undefined) return `cannot run the command: ${r.error}`;
  if (r.code === null) return `killed by signal ${r.signal ?? 'unknown'}${tail}`;
  return `exit code ${r.code}${tail}`;
}
