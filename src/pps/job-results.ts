// Datum results coming in: what workers report for the datums they leased,
// and datums lost with a worker (back to the front of the queue, or failed
// once workers died on them datum_tries times). Each result updates its
// datum's record and its job's counts in one batch; when a job's last datum
// is in, the job's runner goes on (job-runner.ts).
import type { ActiveJob } from './job-runner.js';
import type { PpsContext } from './pps-context.js';
import type { DatumTask } from './task-queue.js';

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
  constructor(private readonly ctx: PpsContext, private readonly activeJob: (pipeline: string, job: string) => ActiveJob | undefined) {}

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
  async workerLost(worker: string, reason: string): Promise<void> {
    const failed: [DatumTask, TaskOutcome][] = [];
    // Only the datums the worker had started count that try; the others were only fetched ahead and go back untouched.
    for (const { task, started } of this.ctx.queue.releaseWorker(worker)) {
      const aj = this.activeJob(task.pipeline, task.job);
      if (!aj) continue;
      if (started && task.attempts >= aj.spec.datumTries) {
        failed.push([task, { job: task.job, datum: task.datum, success: false, recovered: false, reason: `the worker was lost ${task.attempts} times while running it (${reason})`, durationMs: 0, output: '', tries: 0 }]);
      } else {
        this.ctx.queue.push(task.pipeline, [task], true);
      }
    }
    await this.record(failed);
  }

  private async record(settled: [DatumTask, TaskOutcome][]): Promise<void> {
    // Results point at stored outputs: make those durable before recording them.
    if (settled.some(([, r]) => r.success)) await this.ctx.outputs.durable();
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
}
