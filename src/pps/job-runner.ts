// Running jobs: the state machine of one job, created → running → finishing →
// success | failure | killed, with the jobs of one pipeline run one after
// another. A job waits for its input commits, plans its datums (job-plan.ts),
// hands the datums to run to the workers, waits until every one has a result
// (job-results.ts), a kill, or its job_timeout, merges the datum outputs into
// its output commit and finishes it. Time comes from the Timers handed in.
// A job that does not succeed is saved as such before its output commit is
// finished, since finishing that commit wakes the jobs below it. A job whose
// pipeline is deleted is dropped: it stops and is never written again.
import { OutputCollision, TooManyDatums } from '../errors/index.js';
import type { MetadataOp } from '../storage/metadata-store.js';
import { mergeOutputs } from './datum-outputs.js';
import { planDatums, type Datum } from './datums.js';
import type { InputCommit } from './input-files.js';
import { isKept, planReuse } from './job-plan.js';
import type { PpsContext } from './pps-context.js';
import type { DatumResultRecord, JobDatumRecord, JobRecord } from './records.js';
import type { LeafInput, PipelineSpec } from './spec.js';
import type { DatumTask } from './task-queue.js';
import { treeInputFiles } from './tree-input-files.js';

/** A job whose datums are with the workers. */
export interface ActiveJob {
  job: JobRecord;
  spec: PipelineSpec;
  records: Map<string, JobDatumRecord>;
  outstanding: Set<string>;
  /** The queued task of each datum that runs in this job (`restart datum` queues it again). */
  tasks: Map<string, DatumTask>;
  firstFailure?: string;
  done: () => void;
}

export const FINAL_STATES: ReadonlySet<string> = new Set(['success', 'failure', 'killed']);

/** Datum records are written in batches of this many while a job is planned. */
const WRITE_BATCH = 1000;

export class JobRunner {
  private readonly active = new Map<string, ActiveJob>();
  private readonly chains = new Map<string, Promise<void>>();
  /** Jobs stopped (`stop job`) before they ran datums: run() skips them. */
  private readonly stoppedJobs = new Set<string>();
  /** Jobs scheduled whose run has not returned yet (running), and those of them dropped. */
  private readonly pending = new Set<string>();
  private readonly dropped = new Set<string>();
  private stopped = false;
  /** Wakers of jobs waiting for their paused pipeline (`stop pipeline`) to start again, by pipeline. */
  private readonly paused = new Map<string, Set<() => void>>();

  /** `ended` is told of every job whose run returned (after its output commit is finished). */
  constructor(private readonly ctx: PpsContext, private readonly ended: (job: JobRecord) => void) {}

  /** Whether the job's run has not returned yet: a job saved `failure` may still be finishing its output commit. */
  running(pipeline: string, id: string): boolean {
    return this.pending.has(`${pipeline}/${id}`);
  }

  /** The job while its datums are with the workers. */
  activeJob(pipeline: string, id: string): ActiveJob | undefined {
    return this.active.get(`${pipeline}/${id}`);
  }

  /** Runs the job after the pipeline's earlier jobs; a crash is logged. */
  schedule(job: JobRecord): void {
    const key = keyOf(job);
    this.pending.add(key);
    const previous = this.chains.get(job.pipeline) ?? Promise.resolve();
    const next = previous
      .then(async () => {
        // What the job's datums store is reachable once recorded; until the job ends a lease keeps it from collection.
        const lease = this.ctx.deps.content.lease?.(`job ${key}`);
        try {
          await this.run(job);
        } finally {
          lease?.release();
        }
      })
      .catch((err) => {
        if (this.dropped.has(key)) return; // dropped (its commits removed): what it was doing no longer matters
        this.ctx.deps.log('error', 'job_crashed', { pipeline: job.pipeline, job: job.id, message: (err as Error).message, stack: (err as Error).stack });
      })
      .finally(() => {
        this.pending.delete(key);
        this.dropped.delete(key);
        this.ended(job);
      });
    this.chains.set(job.pipeline, next);
  }

  /** The pipeline may run again (started, deleted, or a job of it stopped): its jobs waiting while it was paused look again. */
  resume(pipeline: string): void {
    const wakers = this.paused.get(pipeline);
    this.paused.delete(pipeline);
    for (const wake of wakers ?? []) wake();
  }

  /**
   * Resolves once the job's pipeline is not paused (or the job is stopped or dropped): a job of a
   * stopped pipeline stays `created` until `start pipeline`, as in Pachyderm. The waker is registered before the state is read, so a
   * start between the two is not missed.
   */
  private async untilNotPaused(job: JobRecord): Promise<void> {
    const { pipeline } = job;
    const key = keyOf(job);
    while (!this.stopped && !this.dropped.has(key) && !this.stoppedJobs.has(key)) {
      let wake!: () => void;
      const woken = new Promise<void>((resolve) => (wake = resolve));
      let wakers = this.paused.get(pipeline);
      if (!wakers) this.paused.set(pipeline, (wakers = new Set()));
      wakers.add(wake);
      if ((await this.ctx.store.getPipeline(pipeline))?.state !== 'paused') {
        wakers.delete(wake);
        return;
      }
      await woken;
    }
  }

  /** Kills a running job (`stop job`): it stops waiting for its datums and ends `killed` with `reason`. */
  kill(pipeline: string, id: string, reason: string): void {
    const aj = this.activeJob(pipeline, id);
    if (!aj) return;
    aj.firstFailure = reason;
    aj.job.state = 'killed';
    aj.done();
  }

  /**
   * Drops a job whose pipeline is being deleted, or whose commits are removed: it stops where it is (waiting for its inputs or
   * its datums), its results are no longer taken, and it is never written again, so the
   * deletion of its records is final.
   */
  drop(pipeline: string, id: string, keepChain = false): void {
    const key = `${pipeline}/${id}`;
    if (!this.pending.has(key)) return;
    this.dropped.add(key);
    this.resume(pipeline);
    // Jobs of a pipeline created again under the name do not wait behind this one
    // (a job dropped because its commit is removed keeps the pipeline's order: keepChain).
    if (!keepChain) this.chains.delete(pipeline);
    const aj = this.active.get(key);
    this.active.delete(key);
    aj?.done();
  }

  /**
   * Finishes the output commit of a job that did not succeed and was saved so, unchanged from its
   * last good ancestor, if a crash came between the two (finish).
   */
  async closeFailed(job: JobRecord): Promise<void> {
    if (job.state === 'failure' || job.state === 'killed') await this.closeOutput(job);
  }

  /** True while a job of the pipeline still has datums with the workers. */
  hasActive(pipeline: string): boolean {
    for (const aj of this.active.values()) if (aj.job.pipeline === pipeline) return true;
    return false;
  }

  /** The versions of the pipeline's jobs that still have datums with the workers. */
  activeVersions(pipeline: string): number[] {
    const versions = new Set<number>();
    for (const aj of this.active.values()) if (aj.job.pipeline === pipeline) versions.add(aj.job.version);
    return [...versions];
  }

  /** Fails every running job of the pipeline with `reason` (its workers cannot run: a bad image, no node fits). */
  failActive(pipeline: string, reason: string): void {
    for (const aj of this.active.values()) {
      if (aj.job.pipeline !== pipeline) continue;
      this.ctx.queue.dropJob(pipeline, aj.job.id);
      aj.firstFailure = reason;
      aj.done();
    }
  }

  /** Ends a job that is not running datums yet (waiting for its inputs or its turn) `killed`; run() then skips it. */
  async killBeforeRun(job: JobRecord, reason: string): Promise<void> {
    this.stoppedJobs.add(`${job.pipeline}/${job.id}`);
    this.resume(job.pipeline);
    await this.finish(job, 'killed', reason);
  }

  /** Stops running jobs where they are (they resume after a restart). */
  stop(): void {
    this.stopped = true;
    for (const pipeline of [...this.paused.keys()]) this.resume(pipeline);
    for (const aj of this.active.values()) aj.done();
  }

  private async run(job: JobRecord): Promise<void> {
    if (this.stopped || this.dropped.has(keyOf(job)) || this.stoppedJobs.delete(keyOf(job))) return;
    const spec = await this.ctx.store.getVersion(job.pipeline, job.version);
    if (!spec) return this.finish(job, 'killed', `pipeline ${job.pipeline} version ${job.version} no longer exists`);
    for (const input of job.inputs) await this.ctx.pfs.commits.waitFor(input.repo, input.id);
    await this.untilNotPaused(job);
    if (this.stopped || this.dropped.has(keyOf(job)) || this.stoppedJobs.delete(`${job.pipeline}/${job.id}`)) return;
    for (const input of job.inputs) {
      const upstream = await this.ctx.store.getJob(input.repo, input.id);
      if (upstream && (upstream.state === 'failure' || upstream.state === 'killed')) {
        return this.finish(job, 'killed', killedBelow(`${input.repo}@${input.id}`, upstream));
      }
    }
    job.state = 'running';
    if (!(await this.save(job))) return;

    let datums: Datum[];
    try {
      datums = await planDatums(spec, (leaf) => this.inputCommit(job, leaf), this.ctx.deps.maxJobDatums);
    } catch (err) {
      if (err instanceof TooManyDatums) return this.finish(job, 'failure', err.message); // the daemon stays up; the next commit may make fewer
      throw err;
    }
    const existing = new Map((await this.ctx.store.listJobDatums(job.pipeline, job.id)).map((d) => [d.id, d]));
    const results = new Map<string, DatumResultRecord>();
    if (!job.reprocess) {
      for (const d of datums) {
        if (isKept(existing.get(d.id))) continue;
        const result = await this.ctx.store.getResult(job.pipeline, d.id);
        if (result) results.set(d.id, result);
      }
    }
    const plan = planReuse(job, datums, existing, results);
    // A queued datum's record is written when its result comes (job-results.ts), or when the job ends
    // without it (unreportedOps): one put per datum instead of two. Until then it is read from memory (datumOverlay).
    const writes = plan.changed.filter((rec) => rec.state !== 'queued').map((rec) => this.datumOp(job, rec));
    while (writes.length > WRITE_BATCH) if (!(await this.save(job, writes.splice(0, WRITE_BATCH), false))) return;
    job.datums = plan.counts;
    if (!(await this.save(job, [...writes, ...this.ctx.store.putJobOps(job)]))) return;
    if (this.dropped.has(keyOf(job))) return; // dropped while saving: no tasks for a deleted pipeline

    const aj: ActiveJob = { job, spec, records: plan.records, outstanding: new Set(plan.tasks.map((t) => t.datum)), tasks: new Map(plan.tasks.map((t) => [t.datum, t])), done: () => {} };
    if (plan.tasks.length > 0) {
      const finished = new Promise<void>((resolve) => (aj.done = resolve));
      this.active.set(`${job.pipeline}/${job.id}`, aj);
      this.ctx.queue.push(job.pipeline, plan.tasks);
      const cancelTimeout = spec.jobTimeoutMs
        ? this.ctx.deps.timers.after(spec.jobTimeoutMs, () => {
            aj.firstFailure = `job timed out after ${spec.jobTimeoutMs} ms`;
            this.ctx.queue.dropJob(job.pipeline, job.id);
            aj.done();
          })
        : undefined;
      await finished;
      cancelTimeout?.();
      this.active.delete(`${job.pipeline}/${job.id}`);
      this.ctx.queue.dropJob(job.pipeline, job.id);
      if (this.stopped || this.dropped.has(keyOf(job))) return;
    }
    if ((job.state as string) === 'killed') return this.finish(job, 'killed', aj.firstFailure ?? 'killed', undefined, this.unreportedOps(aj)); // stop job
    if (aj.firstFailure) {
      const failed = job.datums.failed;
      return this.finish(job, 'failure', failed > 1 ? `${failed} datums failed; first: ${aj.firstFailure}` : aj.firstFailure, undefined, this.unreportedOps(aj));
    }
    job.state = 'finishing';
    if (!(await this.save(job))) return;
    try {
      const outputs = [...plan.records.values()].filter((r) => r.output).map((r) => ({ datum: r.id, output: r.output }));
      const root = await mergeOutputs(this.ctx.deps.tree, outputs, (id) => this.ctx.outputs.entriesOf(id));
      // egress.URL receives the output before the job succeeds; a failed egress fails the job (egress.ts).
      const egressFailure = spec.egress ? await this.ctx.egress(job, spec.egress.url, root) : undefined;
      if (this.stopped) return; // stopping: the job stays `finishing`, and its egress runs again on resume
      if (egressFailure) return this.finish(job, 'failure', egressFailure);
      await this.finish(job, 'success', '', root);
    } catch (err) {
      if (err instanceof OutputCollision) return this.finish(job, 'failure', err.message);
      throw err;
    }
  }

  /**
   * Ends a job: its output commit is finished (with `tree`, or unchanged from its last good
   * ancestor) and its final state saved. A success finishes the commit first: a crash between
   * the two leaves the job `finishing`, to end again on resume. Any other end is saved first:
   * finishing the commit wakes the jobs below, which must then see that this one failed (a
   * crash between the two leaves the commit open, for resume to finish: closeFailed).
   */
  private async finish(job: JobRecord, state: 'success' | 'failure' | 'killed', reason: string, tree?: string, records: MetadataOp[] = []): Promise<void> {
    if (this.dropped.has(keyOf(job))) return;
    if (state === 'success') await this.closeOutput(job, tree);
    // The records of datums that never got a result are written before the job's end (a crash between resumes the job).
    while (records.length > WRITE_BATCH) if (!(await this.save(job, records.splice(0, WRITE_BATCH), false))) return;
    job.state = state;
    job.reason = reason;
    job.finished = this.ctx.now();
    if (!(await this.save(job, [...records, ...this.ctx.store.putJobOps(job)]))) return;
    if (state !== 'success') await this.closeOutput(job);
    this.ctx.deps.log(state === 'success' ? 'info' : 'warn', 'job_finished', { pipeline: job.pipeline, job: job.id, state, reason, datums: job.datums });
    if (state !== 'success') {
      await this.ctx.deps.logs.append([{ time: job.finished, pipeline: job.pipeline, job: job.id, datum: '', stream: 'system', message: `job ${state}: ${reason}` }]);
    }
  }

  /**
   * The records of a running job's datums as they are now, by datum ID, where the store may not have them
   * yet: a datum waiting for its result (its record is written only with the result) or whose result is
   * being written. Undefined when the job is not running datums (the store has every record then).
   */
  datumOverlay(pipeline: string, id: string): { records: ReadonlyMap<string, JobDatumRecord>; outstanding: ReadonlySet<string> } | undefined {
    const aj = this.activeJob(pipeline, id);
    return aj && { records: aj.records, outstanding: aj.outstanding };
  }

  /** Writes of the records of the job's datums that have no result: they are written only now. */
  private unreportedOps(aj: ActiveJob): MetadataOp[] {
    return [...aj.outstanding].map((id) => this.datumOp(aj.job, aj.records.get(id)!));
  }

  private datumOp(job: JobRecord, rec: JobDatumRecord): MetadataOp {
    return this.ctx.store.datums.putOp(this.ctx.store.datumKey(job.pipeline, job.id, rec.id), rec);
  }

  /** Finishes the job's output commit if it is open: with `tree`, or unchanged from its last good ancestor. */
  private async closeOutput(job: JobRecord, tree?: string): Promise<void> {
    const commit = await this.ctx.pfs.commits.find(job.pipeline, job.id);
    if (commit && !commit.finished) await this.ctx.pfs.commits.finishWithTree(job.pipeline, job.id, tree);
  }

  /** Writes `ops` (the job's record by default) unless the job was dropped; false then. */
  private async save(job: JobRecord, ops: MetadataOp[] = this.ctx.store.putJobOps(job), sync = true): Promise<boolean> {
    if (this.dropped.has(keyOf(job))) return false;
    await this.ctx.store.apply(ops, sync);
    return true;
  }

  /** The commit a leaf input reads in this job, with its files from the commit's tree. */
  private async inputCommit(job: JobRecord, leaf: LeafInput): Promise<InputCommit> {
    const ref = job.inputs.find((i) => i.repo === leaf.repo && i.branch === leaf.branch) ?? job.inputs.find((i) => i.repo === leaf.repo && i.branch === job.branch);
    const tree = this.ctx.deps.tree;
    if (!ref) return { repo: leaf.repo, branch: leaf.branch, commit: '', files: { files: async function* () {} } };
    const commit = await this.ctx.pfs.commits.mustGet(ref.repo, ref.id);
    return { repo: ref.repo, branch: ref.branch, commit: ref.id, files: treeInputFiles(tree, commit.tree) };
  }
}

function keyOf(job: JobRecord): string {
  return `${job.pipeline}/${job.id}`;
}

/**
 * Why a job below one that did not succeed is killed. Through a chain of killed jobs the one that failed is
 * named (`(killed: upper@ID failed)`), found in the reason of the killed job above.
 */
export function killedBelow(input: string, upstream: Pick<JobRecord, 'state' | 'reason'>): string {
  if (upstream.state !== 'killed') return `input ${input} comes from a job that did not succeed (${upstream.state})`;
  const reason = upstream.reason ?? '';
  const root = /^input (\S+) comes from a job that did not succeed \(failure\)$/.exec(reason)?.[1] ?? /\(killed: (\S+) failed\)$/.exec(reason)?.[1];
  return `input ${input} comes from a job that did not succeed (killed${root ? `: ${root} failed` : ''})`;
}
