// The worker ↔ sandbox runner protocol: frames (src/worker-protocol/framing.ts) on the
// runner's stdin (commands) and stdout (events). The runner is one long-lived
// process per worker, started inside the sandbox; it spawns each command the
// worker asks for in a process group of its own, streams its output back, and
// reports how it ended. Killing (a timeout, or the worker's `kill`) signals the
// whole group with SIGKILL.
import type { DatumUsage } from './usage.js';

export interface RunCommand {
  op: 'run';
  id: number;
  cmd: string[];
  env: Record<string, string>;
  /** Written to the command's stdin, which is then closed; null: stdin is /dev/null. */
  stdin: string | null;
  cwd: string;
  /** false: a missing `cwd` falls back to '/' (the worker's own folder may not exist in the sandbox). */
  cwdRequired: boolean;
  /** 0: no limit. */
  timeoutMs: number;
  /** transform.user: spawn the command as this uid/gid (the runner must hold CAP_SETUID/CAP_SETGID). */
  uid?: number;
  gid?: number;
  /** resource_limits.memory: the command's address space is capped at this many bytes (RLIMIT_AS). */
  memoryLimitBytes?: number;
  /**
   * Output on the pipes held for the runner's life (fds 3 and 4, held-output.ts), not pipes of its own: once the
   * command's group is gone this is written to both, stderr first, and the `exit` event follows it on the held
   * stdout (not on the runner's stdout). Unset: `out` events, and `exit` on the runner's stdout.
   */
  endMark?: string;
}

export interface KillCommand {
  op: 'kill';
  id: number;
}

export type RunnerCommand = RunCommand | KillCommand;

export type RunnerEvent =
  /** direct: the direct runner's pid, when the runner started one (direct-runner.ts; it says ready itself on its socket). */
  | { ev: 'ready'; pid: number; direct?: number }
  /** The direct runner exited: runs it had are lost, and it takes no more. */
  | { ev: 'directExited' }
  | { ev: 'out'; id: number; stream: 'stdout' | 'stderr'; data: string }
  | {
      ev: 'exit';
      id: number;
      code: number | null;
      signal: string | null;
      timedOut: boolean;
      error?: string;
      usage?: DatumUsage;
      /** After a run with an end mark: the held pipes may be written by a process that outlived it (or were left non-blocking); use them no more. */
      heldRetired?: boolean;
      /** After a run with an end mark, sent on the runner's stdout: the held pipes that did not take the mark (the code shut them). */
      heldUnmarked?: ('stdout' | 'stderr')[];
    };
