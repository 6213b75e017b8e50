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
//
// Per datum, nothing on the code's path waits for the sidecar: the inputs of
// the next datums are fetched ahead in groups (one sidecar message per
// group), the switch between datums is a few renames done here
// (datum-switch.ts), and the finished datums go to the sidecar for upload
// together, FINISH_GROUP at a time or FINISH_DELAY_MS after the first one
// (one message, one answer), each still its own output and its own result.
// The coordinator is told that datums start in groups too (START_GROUP, one
// Started message): a datum the coordinator wants told alone (Task.startAhead
// false: its worker was lost while it was started ahead) gets a message of its own.
import { dirname } from 'node:path';
import type { Server } from 'node:net';
import { NextDatumRefused, type Task, type WorkerSpec } from '../src/client/index.js';
import { listenWorkerSocket, type NextRequest } from './batch-socket.js';
import type { CollectedEntry, SlotDirs } from '../src/worker-protocol/index.js';
import { datumReporter, dropSlot, envOf, newDatumLog, retryPolicy, runErrCmd, stdinText, uploadAndReport, type ExecContext } from './datum-exec.js';
import type { DatumLog } from './datum-log.js';
import { DatumSwitch } from './datum-switch.js';
import type { Env } from './env.js';
import type { InFlight } from './inflight.js';
import { accepted, afterTry, failureReason, type RunResult } from './outcome.js';
import type { RunHandle } from './sandbox.js';
import type { PreparedTask, TaskSource } from './task-source.js';

interface Handed {
  p: PreparedTask;
  dirs: SlotDirs;
  log: DatumLog;
  report: ReturnType<typeof datumReporter>;
  env: Env;
  tries: number;
  timer?: NodeJS.Timeout;
  timedOut: boolean;
}

/** Output a process wrote while no datum was current: kept (capped) for the next datum's log. */
const BETWEEN_CAP = 16 * 1024;
/** Finished datums sent to the sidecar for upload in one message, at most (and after how long at most). */
const FINISH_GROUP = 32;
const FINISH_DELAY_MS = 10;
/** Datums whose inputs are fetched ahead, the group they are fetched in, and the input bytes that stops fetching ahead further. */
const PREFETCH = 48;
const PREFETCH_GROUP = 16;
const PREFETCH_BYTES = 64 * 1024 * 1024;
/** Datums told to the coordinator in one Started message, at most (those queued next, each with startAhead). */
const START_GROUP = 32;

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
  private readonly switch: DatumSwitch;
  private finishing: { h: Handed; collected: CollectedEntry[] }[] = [];
  private finishTimer: NodeJS.Timeout | undefined;
  /** Datums already told as started (in a group, by `job/datum`), not handed out yet: the group's Started call. */
  private toldAhead = new Map<string, Promise<void>>();

  constructor(
    private readonly ctx: ExecContext,
    private readonly source: TaskSource,
    private readonly uploads: InFlight,
    /** Host path of the worker socket. */
    private readonly socketPath: string,
  ) {
    this.switch = new DatumSwitch(dirname(ctx.hostOut));
  }

  /** Runs until stopped or the spec no longer asks for datum batching. */
  async run(): Promise<void> {
    // The sidecar's own switching (a datum run the ordinary way before) is done once this is answered.
    await this.ctx.sidecar.call('clearOut', {});
    const server: Server = await listenWorkerSocket(this.socketPath, (req) => this.serialised(() => this.next(req)));
    this.source.setPrefetch(PREFETCH, PREFETCH_GROUP, PREFETCH_BYTES);
    try {
      while (!this.stopped && this.ctx.spec.datumBatching) {
        if (!this.retry) await this.source.waitForTask();
        if (this.stopped || !this.ctx.spec.datumBatching) break;
        await this.runProcess();
      }
    } finally {
      server.close();
      this.source.setPrefetch(4);
      // A datum waiting for another try is left unreported: the coordinator hands leased tasks out again.
      try {
        this.switch.collect();
      } catch {
        // Its output is not kept; the next datum's switch empties out/.
      }
      this.flushFinishing();
      this.toldAhead.clear();
    }
  }

  stop(): void {
    this.stopped = true;
    this.restarting = true;
    this.proc?.kill();
    // The worker drains its uploads next: the finished datums must be among them.
    this.flushFinishing();
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
      if (!this.source.hasQueued) this.flushFinishing();
      const p = await this.source.take();
      if (!p) return undefined;
      const started = performance.now();
      const log = newDatumLog(this.ctx, p.task);
      const active = await this.activate(p);
      if (!('cannot' in active)) {
        return { p, dirs: active.dirs, log, report: datumReporter(this.ctx, p.task, log, started, active.told), env: envOf(this.ctx, p.task), tries: 0, timedOut: false };
      }
      log.system(active.cannot);
      dropSlot(this.ctx, p.slot);
      datumReporter(this.ctx, p.task, log, started)({ reason: active.cannot, tries: 0 });
    }
  }

  /**
   * The datum's inputs into $TUSK_PFS (renamed in from its slot), and the coordinator told that its
   * code starts; as datum-exec.ts's activate, the code waits one turn of the event loop after the
   * Started call, so its frames are written first, but not for its answer.
   */
  private async activate(p: PreparedTask): Promise<{ cannot: string } | { dirs: SlotDirs; told: Promise<void> }> {
    // A datum told with a group ahead: its Started went out before the group's first datum ran.
    const ahead = this.toldAhead.get(startKey(p.task));
    this.toldAhead.delete(startKey(p.task));
    const staged = await p.staged;
    if ('cannot' in staged) return staged;
    if (!staged.dirs) return { cannot: 'cannot set up the datum area: the sidecar did not say where the inputs are' };
    try {
      this.switch.activate(staged.dirs, [...new Set(p.task.inputs.map((i) => i.name))]);
    } catch (err) {
      return { cannot: `cannot set up the datum area: ${(err as Error).message}` };
    }
    if (ahead) return { dirs: staged.dirs, told: ahead };
    const told = this.tellStarted(p.task);
    await new Promise((resolve) => setImmediate(resolve));
    return { dirs: staged.dirs, told };
  }

  /** Started for this datum, alone or (when the coordinator takes it) with those queued next that it takes ahead too. */
  private tellStarted(task: Task): Promise<void> {
    if (!task.startAhead || !this.ctx.startedAhead) return this.ctx.started(task);
    const group = [task];
    for (const next of this.source.peek(START_GROUP - 1)) {
      if (!next.startAhead) break;
      group.push(next);
    }
    const told = this.ctx.startedAhead(group);
    for (const t of group.slice(1)) this.toldAhead.set(startKey(t), told);
    return told;
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

  /** A datum that ran fine: its output is moved out of $TUSK_PFS now, and uploaded with others soon. */
  private succeed(h: Handed): void {
    let collected: CollectedEntry[] | undefined;
    try {
      collected = this.switch.collect();
    } catch (err) {
      h.log.system(`cannot collect the output: ${(err as Error).message}`);
      dropSlot(this.ctx, h.p.slot);
      h.report({ reason: `cannot collect the output: ${(err as Error).message}`, tries: h.tries });
      return;
    }
    this.finishing.push({ h, collected: collected ?? [] });
    if (this.finishing.length >= FINISH_GROUP) this.flushFinishing();
    else this.finishTimer ??= setTimeout(() => this.flushFinishing(), FINISH_DELAY_MS);
  }

  /** Sends the finished datums to the sidecar, in one message (the calls of one tick share a write). */
  private flushFinishing(): void {
    clearTimeout(this.finishTimer);
    this.finishTimer = undefined;
    const group = this.finishing;
    this.finishing = [];
    for (const { h, collected } of group) this.uploads.add(uploadAndReport(this.ctx, h.p.task, h.p.slot, h.log, h.report, h.tries, collected));
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
    try {
      this.switch.collect();
    } catch {
      // A failed datum's output is dropped anyway.
    }
    dropSlot(this.ctx, h.p.slot);
    h.report({ reason: why, recovered, tries: h.tries });
  }
}

function startKey(task: Task): string {
  return `${task.job}/${task.datum}`;
}
