// Running one datum the ordinary way (one process per datum): its inputs are
// activated in the datum area, the transform runs in the sandbox — again, with
// out/ cleared, until it succeeds or datum_tries runs have failed, then err_cmd
// if there is one — and the datum area is released at once (the sidecar's
// `finish`). The output upload and the report happen afterwards, while the
// next datum already runs. transform.image is for container runtimes;
// transform.user applies when the worker may switch users (run-as.ts), and
// resource_limits.memory caps the code's address space (a failure that looks
// like memory running out names the limit).
import type { Task, TaskResult, WorkerSpec } from '../src/client/index.js';
import type { CollectedEntry, Logger, SidecarClient } from '../src/worker-protocol/index.js';
import { DatumLog } from './datum-log.js';
import { datumEnv, type Env } from './env.js';
import { chown } from 'node:fs/promises';
import { afterErrCmd, afterTry, failureReason, memoryReason, type RetryPolicy } from './outcome.js';
import type { RunAs } from './run-as.js';
import type { Reporter } from './reporter.js';
import type { RunHandle, Sandbox } from './sandbox.js';
import type { StartTeller } from './start-teller.js';
import type { DatumUsage } from './usage.js';
import type { PreparedTask } from './task-source.js';

export interface ExecContext {
  pipeline: string;
  spec: WorkerSpec;
  sidecar: SidecarClient;
  sandbox: Sandbox;
  /** The environment every datum shares (workerEnv). */
  baseEnv: Env;
  /** Working folder when the spec sets none. */
  cwd: string;
  /** Host path of the datum area's out/ (handed to transform.user before each run). */
  hostOut: string;
  /** transform.user, when applied. */
  runAs?: RunAs;
  /** What of the spec is not applied, and why (written to each job's first datum log). */
  notes?: readonly string[];
  reporter: Reporter;
  log: Logger;
  /** Tells the coordinator the datum's code is about to run; settles with the call, never rejects (a datum runs even if the call fails). */
  started(task: Task): Promise<void>;
  /** Tells the coordinator that these datums (each with startAhead) run next, in one message; settles as `started`. Unset: each is told alone. */
  startedAhead?(tasks: readonly Task[]): Promise<void>;
  /** True the first time this worker sees a job (its first datum carries the sandbox fallback note). */
  firstOfJob(job: string): boolean;
}

/** `stdin` lines as the code reads them: joined with '\n' plus a final newline; null for none. */
export function stdinText(lines: readonly string[]): string | null {
  return lines.length === 0 ? null : lines.join('\n') + '\n';
}

export function fallbackNote(sandbox: Sandbox): string {
  return `user code runs without a sandbox (${sandbox.fallbackReason}): inputs are at $TUSK_PFS/<input> (TUSK_PFS=${sandbox.pfs}), not at /pfs, and writes outside $TUSK_PFS/out are not prevented`;
}

/** What a datum's attempts came to. */
export interface Attempts {
  success: boolean;
  recovered: boolean;
  reason: string;
  tries: number;
  /** Over every try: CPU time summed, peak memory the highest. */
  usage: DatumUsage;
}

/** Runs `cmd` for a datum in the sandbox with its env, its output going to the datum's log. */
export function runCommand(ctx: ExecContext, env: Env, log: DatumLog, cmd: readonly string[], stdin: readonly string[], timeoutMs: number): RunHandle {
  const { workingDir } = ctx.spec;
  const limits = { ...(ctx.runAs ? { runAs: ctx.runAs } : {}), memoryLimitBytes: Number(ctx.spec.memoryLimitBytes) };
  return ctx.sandbox.run({ cmd, env, stdin: stdinText(stdin), cwd: workingDir || ctx.cwd, cwdRequired: !!workingDir, timeoutMs, ...limits }, (s, d) => log.write(s, d));
}

/** transform.user may write /pfs/out (the worker, as root, hands the folder over before each run). */
export async function handOverOut(ctx: ExecContext): Promise<void> {
  if (ctx.runAs) await chown(ctx.hostOut, ctx.runAs.uid, ctx.runAs.gid).catch(() => {});
}

export function retryPolicy(spec: WorkerSpec): RetryPolicy {
  return { datumTries: spec.datumTries, acceptReturnCode: spec.acceptReturnCode, hasErrCmd: spec.errCmd.length > 0 };
}

/** After the last failed try: runs err_cmd (with err_stdin); true when it exits 0 (the datum is recovered). */
export async function runErrCmd(ctx: ExecContext, env: Env, log: DatumLog): Promise<boolean> {
  const timeoutMs = ctx.spec.datumTimeoutMs;
  const e = await runCommand(ctx, env, log, ctx.spec.errCmd, ctx.spec.errStdin, timeoutMs).done;
  log.end();
  const recovered = afterErrCmd(e) === 'recovered';
  log.system(recovered ? 'err_cmd exited 0: the datum is recovered' : `err_cmd failed too: ${failureReason(e, timeoutMs, log.lastStderr)}`);
  return recovered;
}

/** Runs the datum's code until it succeeds or its tries are used up, then err_cmd; the datum's inputs must be active. */
export async function attempt(ctx: ExecContext, env: Env, log: DatumLog): Promise<Attempts> {
  const t = ctx.spec;
  const timeoutMs = ctx.spec.datumTimeoutMs;
  const policy = retryPolicy(ctx.spec);
  const usage: DatumUsage = { cpuMs: 0, peakMemoryBytes: 0 };
  for (let tries = 1; ; tries++) {
    if (tries > 1) await ctx.sidecar.call('clearOut', {});
    await handOverOut(ctx);
    const r = await runCommand(ctx, env, log, t.cmd, t.stdin, timeoutMs).done;
    log.end();
    usage.cpuMs += r.usage?.cpuMs ?? 0;
    usage.peakMemoryBytes = Math.max(usage.peakMemoryBytes, r.usage?.peakMemoryBytes ?? 0);
    const step = afterTry(r, tries, policy);
    if (step === 'succeed') return { success: true, recovered: false, reason: '', tries, usage };
    const reason = memoryReason(r, failureReason(r, timeoutMs, log.lastStderr), log.lastStderr, ctx.spec.memoryLimit);
    log.system(`try ${tries} of ${policy.datumTries} failed: ${reason}`);
    if (step === 'retry') continue;
    const recovered = step === 'errCmd' && (await runErrCmd(ctx, env, log));
    return { success: false, recovered, reason, tries, usage };
  }
}

/**
 * The report of one datum: a function that adds its result (with duration and logs) to the reporter,
 * after `told` (its Started call) when the datum was started.
 */
export function datumReporter(ctx: ExecContext, task: Task, log: DatumLog, started: number, told?: Promise<void>): (r: Partial<TaskResult> & { tries: number }) => void {
  return (r) =>
    ctx.reporter.add(
      { job: task.job, datum: task.datum, success: false, reason: '', output: '', recovered: false, inlineOutput: false, outputFiles: [], cpuMs: 0, peakMemoryBytes: 0, ...r, durationMs: Math.round(performance.now() - started), logs: log.lines() },
      told,
    );
}

/**
 * A datum that ran fine: its output is collected and uploaded, then reported; resolves when reported.
 * `collected`: the worker moved the output out of $TUSK_PFS itself (datum batching), these entries.
 */
export function uploadAndReport(ctx: ExecContext, task: Task, slot: string, log: DatumLog, report: ReturnType<typeof datumReporter>, tries: number, collected?: CollectedEntry[]): Promise<void> {
  return ctx.sidecar.call('finish', { slot, datum: { pipeline: ctx.pipeline, job: task.job, datum: task.datum }, ...(collected ? { collected } : {}) }).then(
    (out) => report({ success: true, output: out.output, tries, ...(out.inline ? { inlineOutput: true, outputFiles: out.inline.map((f) => ({ path: f.path, data: Buffer.from(f.data, 'base64') })) } : {}) }),
    (err: Error) => {
      log.system(err.message);
      report({ reason: err.message, tries });
    },
  );
}

/** A datum without output (failed, recovered, or never started): its slot is freed. */
export function dropSlot(ctx: ExecContext, slot: string): void {
  void ctx.sidecar.call('finish', { slot }).catch(() => {});
}

/**
 * The datum's inputs into $TUSK_PFS, and the coordinator told that its code
 * starts (from then on, losing this worker costs the datum a try). The
 * Started request goes out together with the `activate` request, once the
 * inputs are fetched. The code does not wait for that call's answer — a round
 * trip to the daemon per datum — but for one turn of the event loop after it,
 * which passes while the sidecar works: so the call's frames are written to
 * the daemon's connection before the code runs, without a turn on the datum's
 * path of its own. The datum's result
 * is reported only once the call has settled (`told`, the reporter's gate), so
 * the coordinator sees the start before the result. A datum whose inputs could
 * not be fetched is not started: it is reported with tries 0, and `cannot`
 * says why; one whose area could not be set up is reported the same way, after
 * its start (`told`). With `starts`, Started goes in groups (start-teller.ts):
 * a datum told with the group of one before it sends nothing.
 */
export async function activate(ctx: ExecContext, p: PreparedTask, starts?: StartTeller): Promise<{ cannot: string; told?: Promise<void> } | { told: Promise<void> }> {
  const staged = await p.staged;
  if ('cannot' in staged) return { cannot: staged.cannot };
  const activated = ctx.sidecar.call('activate', { slot: p.slot }).then(
    () => undefined,
    (err: Error) => err,
  );
  // The sidecar's frames are written on the next tick (FrameWriter): the Started call comes after them.
  const { told } = await new Promise<{ told: Promise<void> }>((resolve, reject) =>
    process.nextTick(() => {
      try {
        resolve({ told: starts ? starts.tell(p.task) : ctx.started(p.task) });
      } catch (err) {
        reject(err);
      }
    }),
  );
  const written = new Promise((resolve) => setImmediate(resolve));
  const failed = await activated;
  if (failed) return { cannot: `cannot set up the datum area: ${failed.message}`, told };
  await written;
  return { told };
}

export function newDatumLog(ctx: ExecContext, task: Task): DatumLog {
  const log = new DatumLog({ pipeline: ctx.pipeline, job: task.job, datum: task.datum });
  if (ctx.firstOfJob(task.job)) {
    if (ctx.sandbox.fallbackReason) log.system(fallbackNote(ctx.sandbox));
    for (const note of ctx.notes ?? []) log.system(note);
  }
  return log;
}

export function envOf(ctx: ExecContext, task: Task): Env {
  return datumEnv({ job: task.job, datum: task.datum, outputCommit: task.outputCommit, inputs: task.inputs, pfs: ctx.sandbox.pfs });
}

/** Runs one datum; resolves when the datum area is free again, with the promise of its upload and report. */
export async function executeDatum(ctx: ExecContext, p: PreparedTask, starts?: StartTeller): Promise<{ finished: Promise<void> }> {
  const started = performance.now();
  const { task, slot } = p;
  const log = newDatumLog(ctx, task);
  const active = await activate(ctx, p, starts);
  if ('cannot' in active) {
    log.system(active.cannot);
    dropSlot(ctx, slot);
    datumReporter(ctx, task, log, started, active.told)({ reason: active.cannot, tries: 0 });
    return { finished: Promise.resolve() };
  }
  const report = datumReporter(ctx, task, log, started, active.told);
  let result: Attempts;
  try {
    result = await attempt(ctx, { ...ctx.baseEnv, ...envOf(ctx, task) }, log);
  } catch (err) {
    dropSlot(ctx, slot);
    throw err;
  }
  const usage = result.usage;
  const reportWithUsage: typeof report = (r) => report({ ...r, ...usage });
  if (!result.success) {
    dropSlot(ctx, slot);
    reportWithUsage({ reason: result.reason, recovered: result.recovered, tries: result.tries });
    return { finished: Promise.resolve() };
  }
  return { finished: uploadAndReport(ctx, task, slot, log, reportWithUsage, result.tries) };
}
