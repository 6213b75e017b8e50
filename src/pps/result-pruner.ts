// The I/O edge of datum result retention (datum-retention.ts decides): it
// reads the pipelines' jobs, the datum lists of the jobs the rule looks at and
// the reuse index, asks the rule, and deletes the results it drops, every
// `intervalMs` in the daemon. kept() is what the garbage collector calls to
// know which datum outputs the reuse index still holds.
import type { TreeId } from '../tree/index.js';
import { decideRetention, jobsToRead, type RetentionDecision, type RetentionJob, type RetentionResult, type RetentionRule } from './datum-retention.js';
import { FINAL_STATES } from './job-runner.js';
import type { PpsContext } from './pps-context.js';
import type { DatumResultRecord, JobRecord } from './records.js';

/** A datum result the reuse index keeps: its output tree stays reachable. */
export interface KeptResult {
  pipeline: string;
  datum: string;
  job: string;
  output: TreeId;
}

export class ResultPruner {
  private cancel?: () => void;
  private running?: Promise<unknown>;

  constructor(private readonly ctx: PpsContext, readonly rule: RetentionRule) {}

  /** The results the rule keeps now (nothing is deleted). */
  async kept(): Promise<KeptResult[]> {
    const out: KeptResult[] = [];
    for (const pipeline of await this.pipelines()) {
      const { decision, records } = await this.decide(pipeline);
      for (const r of decision.keep) out.push({ pipeline, datum: r.datum, job: r.job, output: records.get(r.datum)!.output });
    }
    return out;
  }

  /** Deletes the results the rule drops (each only if unchanged since the decision); returns the counts. */
  async prune(): Promise<{ kept: number; dropped: number }> {
    let kept = 0;
    let dropped = 0;
    for (const pipeline of await this.pipelines()) {
      const { decision, records } = await this.decide(pipeline);
      kept += decision.keep.length;
      const ops = [];
      for (const r of decision.drop) {
        const now = await this.ctx.store.getResult(pipeline, r.datum);
        const then = records.get(r.datum);
        if (!now || !then || now.job !== then.job || now.recorded !== then.recorded) continue; // re-recorded meanwhile
        ops.push(this.ctx.store.results.delOp(`${pipeline}/${r.datum}`));
      }
      if (ops.length > 0) await this.ctx.store.apply(ops);
      dropped += ops.length;
    }
    if (dropped > 0) this.ctx.deps.log('info', 'datum_results_pruned', { kept, dropped, keepJobs: this.rule.keepJobs, keepAgeMs: this.rule.keepAgeMs });
    return { kept, dropped };
  }

  /** Prunes every `intervalMs` (on the PpsDeps timers) until stop(); a failed round is logged and the next one runs. */
  start(intervalMs: number): void {
    const tick = () => {
      this.running = this.prune()
        .catch((err: unknown) => this.ctx.deps.log('error', 'datum_results_prune_failed', { message: (err as Error).message }))
        .finally(() => {
          if (this.cancel) this.cancel = this.ctx.deps.timers.after(intervalMs, tick);
        });
    };
    this.cancel = this.ctx.deps.timers.after(intervalMs, tick);
  }

  async stop(): Promise<void> {
    const cancel = this.cancel;
    this.cancel = undefined;
    cancel?.();
    await this.running;
  }

  private async pipelines(): Promise<string[]> {
    return (await this.ctx.store.listPipelines()).map((p) => p.name);
  }

  private async decide(pipeline: string): Promise<{ decision: RetentionDecision; records: Map<string, DatumResultRecord> }> {
    const jobs = await this.ctx.store.listJobs(pipeline);
    const facts: RetentionJob[] = jobs.map((j) => ({ pipeline, id: j.id, branch: j.branch, seq: j.seq, finished: FINAL_STATES.has(j.state) }));
    for (const j of jobsToRead(this.rule, facts)) {
      j.datums = (await this.ctx.store.listJobDatums(pipeline, j.id)).filter((d) => d.output && (d.state === 'success' || d.state === 'skipped')).map((d) => d.id);
    }
    const records = new Map<string, DatumResultRecord>();
    const results: RetentionResult[] = [];
    for (const key of await this.ctx.store.results.keys(`${pipeline}/`)) {
      const rec = await this.ctx.store.results.get(key);
      if (!rec) continue;
      const datum = key.slice(pipeline.length + 1);
      records.set(datum, rec);
      results.push({ pipeline, datum, job: rec.job, ...(rec.recorded ? { recorded: rec.recorded } : {}) });
    }
    const byId = new Map<string, JobRecord>(jobs.map((j) => [j.id, j]));
    const jobTime = (_p: string, id: string) => byId.get(id)?.finished ?? byId.get(id)?.started ?? undefined;
    return { decision: decideRetention(this.rule, this.ctx.deps.clock(), facts, results, jobTime), records };
  }
}
