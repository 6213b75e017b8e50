// Datum results coming in: what workers report for the datums they leased,
// and datums lost with a worker (back to the front of the queue, or failed
// once workers died on them datum_tries times). Each result updates its
// datum's record and its job's counts in one batch; when a job's last datum
// is in, the job's runner goes on (job-runner.ts). Successful results wait
// for their outputs' durable point, which reports close together share
// (durable-point.ts); a report that holds a job's last results starts it at once.
import { DurablePoint } from './durable-point.js';
import type { ActiveJob } from './job-runner.js';
import type { PpsContext } from './pps-context.js';
import type { DatumTask } from './task-queue.js';
import type { RunningDatum } from '../worker-protocol/index.js';

/** What a worker says about one datum. */
export interface TaskOutcome {
  job: string;
  datum: string;
  success: boolean;
  recovered: boolean;
  reason: string;
  durationMs: number;
  output: string;
  tries: number;
  /** CPU time and peak memory of the code, as the worker measured them (0: not measured). */
  cpuMs?: number;
  peakMemoryBytes?: number;
}

export class ResultIntake {
  private readonly durable: DurablePoint;
  /** Per job, the datums whose results wait for the durable point. */
  private readonly waiting = new Map<ActiveJob, Set<string>>();

  constructor(private readonly ctx: PpsContext, private readonly activeJob: (pipeline: string, job: string) => ActiveJob | undefined) {
    const { timers, clock, outputSyncGapMs } = ctx.deps;
    this.durable = new DurablePoint(() => ctx.outputs.durable(), timers, () => clock().getTime(), outputSyncGapMs ?? 0);
  }

  /** A worker's results. Late or duplicate reports (no lease) are ignored. */
  async report(worker: string, results: TaskOutcome[]): Promise<void> {
    const settled: [DatumTask, TaskOutcome][] = [];
    for (const r of results) {
      const task = this.ctx.queue.complete(worker, r.job, r.datum);
      if (task) settled.push([task, r]);
    }
    await this.record(settled);
  }

  /** A lost worker: its leased datums go back to the front of the queue, or fail once workers died on them too often. */
  async workerLost(worker: string, reason: string, running?: RunningDatum): Promise<void> {
    const failed: [DatumTask, TaskOutcome][] = [];
    const leases = this.ctx.queue.releaseWorker(worker);
    // The started datum the worker's running mark names: the one whose code it ran (the mark is written first).
    const ran = running && leases.find((l) => l.started && l.task.job === running.job && l.task.datum === running.datum);
    // Only the datums the worker had started count that try; the others were only fetched ahead and go back untouched.
    // Of those started ahead in a group, only the one the mark names counts it; with no such mark (which of them
    // ran is not known) none does, and they are started alone from now on.
    for (const lease of leases) {
      const { task } = lease;
      const started = lease.started && (!lease.ahead || lease === ran);
      const aj = this.activeJob(task.pipeline, task.job);
      if (!aj) continue;
      if (lease.started && !started) {
        task.attempts--;
        if (!ran) task.startAlone = true;
        this.ctx.queue.push(task.pipeline, [task], true);
      } else if (started && task.attempts >= aj.spec.datumTries) {
        failed.push([task, { job: task.job, datum: task.datum, success: false, recovered: false, reason: `the worker was lost ${task.attempts} times while running it (${reason})`, durationMs: 0, output: '', tries: 0 }]);
      } else {
        this.ctx.queue.push(task.pipeline, [task], true);
      }
    }
    await this.record(failed);
  }

  private async record(settled: [DatumTask, TaskOutcome][]): Promise<void> {
    // Results point at stored outputs: make those durable before recording them.
    if (settled.some(([, r]) => r.success)) await this.untilDurable(settled);
    else if (this.holdsLast(settled)) this.durable.hurry();
    const ops = [];
    const touched = new Set<ActiveJob>();
    for (const [task, r] of settled) {
      const aj = this.activeJob(task.pipeline, task.job);
      if (!aj || !aj.outstanding.has(task.datum)) continue;
      const rec = aj.records.get(task.datum)!;
      // Runs on workers that were lost before reporting count as tries too.
      rec.tries = Math.max(0, task.attempts - 1) + r.tries;
      rec.durationMs = r.durationMs;
      if (r.cpuMs) rec.cpuMs = r.cpuMs;
      if (r.peakMemoryBytes) rec.peakMemoryBytes = r.peakMemoryBytes;
      rec.reason = r.reason;
      if (r.success) {
        rec.state = 'success';
        rec.output = r.output;
        aj.job.datums.processed++;
        ops.push(this.ctx.store.resultOp(task.pipeline, task.datum, { output: r.output, job: task.job, recorded: this.ctx.now() }));
      } else if (r.recovered) {
        rec.state = 'recovered';
        aj.job.datums.recovered++;
      } else {
        rec.state = 'failed';
        aj.job.datums.failed++;
        aj.firstFailure ??= `datum ${task.datum} failed: ${r.reason}`;
      }
      ops.push(this.ctx.store.datums.putOp(this.ctx.store.datumKey(task.pipeline, task.job, task.datum), rec));
      aj.outstanding.delete(task.datum);
      touched.add(aj);
    }
    for (const aj of touched) ops.push(...this.ctx.store.putJobOps(aj.job));
    await this.ctx.store.apply(ops, false);
    for (const aj of touched) if (aj.outstanding.size === 0) aj.done();
  }

  /** Waits for the durable point (shared with other reports), marking these results as waiting meanwhile. */
  private async untilDurable(settled: [DatumTask, TaskOutcome][]): Promise<void> {
    const marked: [Set<string>, string][] = [];
    for (const [task] of settled) {
      const aj = this.activeJob(task.pipeline, task.job);
      if (!aj || !aj.outstanding.has(task.datum)) continue;
      let set = this.waiting.get(aj);
      if (!set) this.waiting.set(aj, (set = new Set()));
      set.add(task.datum);
      marked.push([set, task.datum]);
    }
    const reached = this.durable.reach();
    if (this.holdsLast(settled)) this.durable.hurry();
    try {
      await reached;
    } finally {
      for (const [set, datum] of marked) set.delete(datum);
      for (const [aj, set] of this.waiting) if (set.size === 0) this.waiting.delete(aj);
    }
  }

  /** True when these results and those already waiting are every outstanding datum of one of their jobs. */
  private holdsLast(settled: [DatumTask, TaskOutcome][]): boolean {
    const inHand = new Map<ActiveJob, number>();
    for (const [task] of settled) {
      const aj = this.activeJob(task.pipeline, task.job);
      if (!aj || !aj.outstanding.has(task.datum)) continue;
      const waiting = this.waiting.get(aj);
      const n = inHand.get(aj) ?? waiting?.size ?? 0;
      inHand.set(aj, waiting?.has(task.datum) ? n : n + 1);
    }
    for (const [aj, n] of inHand) if (n >= aj.outstanding.size) return true;
    return false;
  }
}
