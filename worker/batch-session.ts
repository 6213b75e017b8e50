// Datum batching (transform.datum_batching): the code is started once and
// loops, asking for each datum over the worker socket (`tusk next datum`,
// batch-socket.ts). Asking again means the datum handed out before succeeded:
// its output is collected at once and uploaded in the background while the
// next datum, whose inputs were fetched ahead, is activated and handed out.
// The process exiting non-zero (or with `{"error"}`, or past datum_timeout,
// which kills it) fails the current datum's try; the datum is handed out again
// to a restarted process until datum_tries runs are used, then err_cmd. A
// process that exits without ever asking for a datum fails the next one, so a
// spec that does not call `tusk next datum` cannot spin. A new pipeline
// version restarts the process at the next datum boundary.
import type { Server } from 'node:net';
import { NextDatumRefused, type WorkerSpec } from '../src/client/index.js';
import { listenWorkerSocket, type NextRequest } from './batch-socket.js';
import { activate, datumReporter, dropSlot, envOf, newDatumLog, retryPolicy, runErrCmd, stdinText, uploadAndReport, type ExecContext } from './datum-exec.js';
import type { DatumLog } from './datum-log.js';
import type { Env } from './env.js';
import type { InFlight } from './inflight.js';
import { accepted, afterTry, failureReason, type RunResult } from './outcome.js';
import type { RunHandle } from './sandbox.js';
import type { PreparedTask, TaskSource } from './task-source.js';

interface Handed {
  p: PreparedTask;
  log: DatumLog;
  report: ReturnType<typeof datumReporter>;
  env: Env;
  tries: number;
  timer?: NodeJS.Timeout;
  timedOut: boolean;
}

/** Output a process wrote while no datum was current: kept (capped) for the next datum's log. */
const BETWEEN_CAP = 16 * 1024;

export class BatchSession {
  private proc: RunHandle | undefined;
  /** Bumped per process start: a `next` answered after its process died is not handed to the next one. */
  private generation = 0;
  private asked = false;
  private current: Handed | undefined;
  private retry: Handed | undefined;
  private between: { stream: 'stdout' | 'stderr'; data: string }[] = [];
  private betweenBytes = 0;
  private stopped = false;
  private restarting = false;
  private chain: Promise<unknown> = Promise.resolve();
  private runSpec: WorkerSpec | undefined;

  constructor(
    private readonly ctx: ExecContext,
    private readonly source: TaskSource,
    private readonly uploads: InFlight,
    /** Host path of the worker socket. */
    private readonly socketPath: string,
  ) {}

  /** Runs until stopped or the spec no longer asks for datum batching. */
  async run(): Promise<void> {
    const server: Server = await listenWorkerSocket(this.socketPath, (req) => this.serialised(() => this.next(req)));
    try {
      while (!this.stopped && this.ctx.spec.datumBatching) {
        if (!this.retry) await this.source.waitForTask();
        if (this.stopped || !this.ctx.spec.datumBatching) break;
        await this.runProcess();
      }
    } finally {
      server.close();
      // A datum waiting for another try is left unreported: the coordinator hands leased tasks out again.
    }
  }

  stop(): void {
    this.stopped = true;
    this.restarting = true;
    this.proc?.kill();
  }

  private serialised<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn);
    this.chain = run.catch(() => {});
    return run;
  }

  private async runProcess(): Promise<void> {
    const spec = this.ctx.spec;
    this.runSpec = spec;
    this.asked = false;
    this.restarting = false;
    this.generation++;
    const t = spec;
    const proc = this.ctx.sandbox.run(
      { cmd: t.cmd, env: this.ctx.baseEnv, stdin: stdinText(t.stdin), cwd: t.workingDir || this.ctx.cwd, cwdRequired: !!t.workingDir, timeoutMs: 0 },
      (stream, data) => this.output(stream, data),
    );
    this.proc = proc;
    const r = await proc.done;
    await this.serialised(async () => {
      this.proc = undefined;
      await this.onExit(r);
    });
  }

  private output(stream: 'stdout' | 'stderr', data: string): void {
    if (this.current) return this.current.log.write(stream, data);
    if (this.betweenBytes + data.length > BETWEEN_CAP) return;
    this.between.push({ stream, data });
    this.betweenBytes += data.length;
  }

  private adoptBetween(h: Handed): void {
    for (const chunk of this.between) h.log.write(chunk.stream, chunk.data);
    this.between = [];
    this.betweenBytes = 0;
  }

  /** A `next` request from the code. */
  private async next(req: NextRequest): Promise<Env> {
    const generation = this.generation;
    this.asked = true;
    const done = this.current;
    this.current = undefined;
    if (done) {
      clearTimeout(done.timer);
      done.log.end();
      if (req.error !== undefined) await this.failTry(done, { code: 1, signal: null, timedOut: false }, `the code reported an error: ${req.error}`);
      else this.succeed(done);
    }
    if (this.stopped || this.ctx.spec !== this.runSpec) {
      this.restarting = true;
      setImmediate(() => this.proc?.kill());
      throw new NextDatumRefused(this.stopped ? 'the worker is stopping' : 'the pipeline was updated: the code is restarted with the new version');
    }
    const h = await this.handOut();
    if (!h) throw new NextDatumRefused('the worker is stopping');
    if (generation !== this.generation || !this.proc) {
      // The asking process is gone: keep the datum for the next one, this hand-out does not count.
      this.retry = h;
      throw new NextDatumRefused('the process that asked is gone');
    }
    h.tries++;
    h.timedOut = false;
    this.adoptBetween(h);
    this.current = h;
    const timeoutMs = this.ctx.spec.datumTimeoutMs;
    if (timeoutMs > 0) {
      h.timer = setTimeout(() => {
        h.timedOut = true;
        this.proc?.kill();
      }, timeoutMs);
    }
    return h.env;
  }

  /** The datum to hand out: one waiting for another try, else the next task, activated. */
  private async handOut(): Promise<Handed | undefined> {
    if (this.retry) {
      const h = this.retry;
      this.retry = undefined;
      await this.ctx.sidecar.call('clearOut', {});
      return h;
    }
    for (;;) {
      const p = await this.source.take();
      if (!p) return undefined;
      const started = performance.now();
      const log = newDatumLog(this.ctx, p.task);
      const active = await activate(this.ctx, p);
      if (!('cannot' in active)) {
        return { p, log, report: datumReporter(this.ctx, p.task, log, started, active.told), env: envOf(this.ctx, p.task), tries: 0, timedOut: false };
      }
      log.system(active.cannot);
      dropSlot(this.ctx, p.slot);
      datumReporter(this.ctx, p.task, log, started, active.told)({ reason: active.cannot, tries: 0 });
    }
  }

  private async onExit(r: RunResult): Promise<void> {
    const h = this.current;
    this.current = undefined;
    if (h) {
      clearTimeout(h.timer);
      h.log.end();
      if (!h.timedOut && accepted(r, this.ctx.spec.acceptReturnCode)) this.succeed(h);
      else await this.failTry(h, h.timedOut ? { ...r, timedOut: true } : r);
      return;
    }
    if (this.asked || this.restarting || this.stopped) return;
    // It never asked for a datum: blame the next one, so a broken command fails datums instead of restarting forever.
    const blamed = await this.handOut();
    if (!blamed) return;
    blamed.tries++;
    this.adoptBetween(blamed);
    blamed.log.end();
    const how = r.error !== undefined ? failureReason(r, 0, '') : `exited with ${r.code ?? r.signal}`;
    await this.failTry(blamed, r, `the code ${how} without asking for a datum (\`tusk next datum\`)${blamed.log.lastStderr ? `: ${blamed.log.lastStderr}` : ''}`);
  }

  private succeed(h: Handed): void {
    this.uploads.add(uploadAndReport(this.ctx, h.p.task, h.p.slot, h.log, h.report, h.tries));
  }

  /** A failed try: keep the datum for another, or run err_cmd and report it. */
  private async failTry(h: Handed, r: RunResult, reason?: string): Promise<void> {
    const timeoutMs = this.ctx.spec.datumTimeoutMs;
    const why = reason ?? failureReason(r, timeoutMs, h.log.lastStderr);
    const policy = retryPolicy(this.ctx.spec);
    h.log.system(`try ${h.tries} of ${policy.datumTries} failed: ${why}`);
    const step = afterTry({ ...r, code: r.code === 0 ? 1 : r.code }, h.tries, policy);
    if (step === 'retry') {
      this.retry = h;
      return;
    }
    const recovered = step === 'errCmd' && (await runErrCmd(this.ctx, { ...this.ctx.baseEnv, ...h.env }, h.log));
    dropSlot(this.ctx, h.p.slot);
    h.report({ reason: why, recovered, tries: h.tries });
  }
}
