// Jobs: one run of a pipeline version over one set of input commits. A new
// user commit sets off a cascade: every pipeline downstream gets a job and an
// open output commit sharing the commit's global ID. This module makes the
// cascades (gathering what the pure planner in job-plan.ts decides on), looks
// jobs up and waits for them; job-runner.ts runs each job and job-results.ts
// takes in its datum results.
import { FailedPrecondition, JobNotFound } from '../errors/index.js';
import { commitIdFrom, type CommitRecord } from '../pfs/index.js';
import { downstream, topoOrder, type PipelineNode } from './cascade.js';
import { inputRepos } from './dag.js';
import { findBranchCommit } from './find-commit.js';
import { branchKey, planCascade, type CascadeFacts, type PipelineVersion } from './job-plan.js';
import { ResultIntake, type TaskOutcome } from './job-results.js';
import { FINAL_STATES, JobRunner } from './job-runner.js';
import type { PpsContext } from './pps-context.js';
import type { JobRecord, PipelineRecord } from './records.js';
import type { PipelineSpec } from './spec.js';
import type { RunningDatum } from '../worker-protocol/index.js';

export type { TaskOutcome };

export class Jobs {
  private readonly waiters = new Map<string, (() => void)[]>();
  private readonly runner: JobRunner;
  private readonly results: ResultIntake;

  constructor(private readonly ctx: PpsContext) {
    this.runner = new JobRunner(ctx, (job) => this.ended(job));
    this.results = new ResultIntake(ctx, (pipeline, id) => this.runner.activeJob(pipeline, id));
  }

  /** Graph nodes of every pipeline, for cascades; on `branch`, each pipeline's version for that branch. */
  async nodes(branch?: string, pipelines?: readonly PipelineRecord[]): Promise<PipelineNode[]> {
    const out: PipelineNode[] = [];
    for (const p of pipelines ?? (await this.ctx.store.listPipelines())) {
      const { spec } = branch ? await this.versionFor(p, branch) : { spec: p.spec };
      out.push(nodeOf(p.name, spec));
    }
    return out;
  }

  /** The version a job of `pipeline` with its output on `branch` runs: the branch's own version, else the main line's. */
  async versionFor(pipeline: PipelineRecord, branch: string): Promise<{ version: number; spec: PipelineSpec; reprocessNext: boolean }> {
    const own = pipeline.branches?.[branch];
    if (own) {
      const spec = await this.ctx.store.getVersion(pipeline.name, own.version);
      if (spec) return { version: own.version, spec, reprocessNext: own.reprocessNext };
    }
    return { version: pipeline.version, spec: pipeline.spec, reprocessNext: pipeline.reprocessNext };
  }

  /**
   * A finished user commit on repo@branch: start the cascade of jobs below it, under its global ID.
   * A branch that no pipeline names as an input (an experiment, e.g. `exp`) runs the whole DAG
   * below the repo on that branch: each pipeline reads its inputs at `exp` where that branch
   * exists, else at the branch its spec names, and writes to `<output repo>@exp`.
   */
  async onUserCommit(commit: CommitRecord, listed?: readonly PipelineRecord[]): Promise<void> {
    // One read of the pipelines for both views (`listed`: the caller's read of them for this commit).
    const pipelines = listed ?? (await this.ctx.store.listPipelines());
    if (pipelines.length === 0) return;
    const nodes = await this.nodes(undefined, pipelines);
    const named = nodes.some((n) => n.inputs.some((i) => i.repo === commit.repo && i.branch === commit.branch));
    const order = named ? downstream(nodes, commit.repo, commit.branch) : downstream(await this.nodes(commit.branch, pipelines), commit.repo, undefined);
    if (order.length > 0) await this.createCascade(order, commit.id, new Set([commit.repo]), named ? undefined : commit.branch);
  }

  /**
   * Runs `pipeline` (and everything downstream of it) on the current heads under a new global ID.
   * With a branch other than its output branch, it runs as on an experiment branch: inputs are
   * read at `branch` where it exists, outputs go to `<repo>@branch`, and so on downstream.
   */
  async runNow(pipeline: string, branch?: string): Promise<JobRecord | undefined> {
    const main = await this.nodes();
    const mainRoot = main.find((n) => n.name === pipeline);
    if (!mainRoot) return undefined;
    const onBranch = branch && branch !== mainRoot.outputBranch ? branch : undefined;
    const nodes = onBranch ? await this.nodes(onBranch) : main;
    const root = nodes.find((n) => n.name === pipeline)!;
    const below = downstream(nodes, root.name, onBranch ? undefined : root.outputBranch);
    const id = commitIdFrom(this.ctx.deps.random(16));
    const jobs = await this.createCascade(topoOrder([root, ...below]), id, new Set(), onBranch);
    return jobs.find((j) => j.pipeline === pipeline);
  }

  /**
   * Creates one job and one open output commit per pipeline in `order`, all with global ID `id`,
   * as planCascade decides (job-plan.ts): inputs in `inSet` or made by the cascade are read at
   * `id`, others at their input head; with `onBranch`, inputs at that branch where it exists
   * and outputs to that branch.
   */
  async createCascade(order: PipelineNode[], id: string, inSet: Set<string>, onBranch?: string): Promise<JobRecord[]> {
    const created: JobRecord[] = [];
    for (const plan of planCascade(order, id, inSet, onBranch, await this.cascadeFacts(order, id, inSet, onBranch))) {
      if (plan.newBranch) {
        // The experiment's output branch starts where the main line's output is, so its history is shared.
        await this.ctx.pfs.branches.create(plan.pipeline, plan.newBranch.name, plan.newBranch.head ? `${plan.pipeline}@${plan.newBranch.head}` : undefined);
      }
      await this.ctx.pfs.commits.start(plan.pipeline, plan.outputBranch, { id, origin: 'auto', provenance: plan.inputs, allowOpenParent: true });
      const job: JobRecord = {
        id,
        pipeline: plan.pipeline,
        version: plan.version,
        state: 'created',
        branch: plan.outputBranch,
        inputs: plan.inputs,
        datums: { total: 0, processed: 0, skipped: 0, failed: 0, recovered: 0 },
        started: this.ctx.now(),
        finished: null,
        reason: '',
        reprocess: plan.reprocess,
        seq: this.ctx.store.nextJobSeq(),
      };
      const ops = [...this.ctx.store.putJobOps(job), ...this.ctx.store.subvenanceOps(plan.inputs, { repo: plan.pipeline, id })];
      if (plan.reprocessTaken) ops.push(this.ctx.store.pipelines.putOp(plan.pipeline, plan.reprocessTaken));
      await this.ctx.store.apply(ops);
      created.push(job);
      this.runner.schedule(job);
    }
    return created;
  }

  /**
   * What planCascade needs to know about the pipelines of `order`, their input branches and
   * output repos. Inputs from `inSet` are read at the cascade's ID: their heads are not looked up.
   */
  private async cascadeFacts(order: PipelineNode[], id: string, inSet: Set<string>, onBranch: string | undefined): Promise<CascadeFacts> {
    const pipelines = new Map<string, PipelineVersion>();
    const branches = new Map<string, string>();
    const inputHeads = new Map<string, string>();
    const taken = new Set<string>();
    const looked = new Set<string>();
    const lookBranch = async (repo: string, branch: string) => {
      const key = branchKey(repo, branch);
      if (looked.has(`b:${key}`)) return;
      looked.add(`b:${key}`);
      const record = await this.ctx.pfs.branches.find(repo, branch);
      if (record) branches.set(key, record.head);
    };
    const lookHead = async (repo: string, branch: string) => {
      const key = branchKey(repo, branch);
      if (looked.has(`h:${key}`)) return;
      looked.add(`h:${key}`);
      const head = await this.inputHead(repo, branch);
      if (head) inputHeads.set(key, head.id);
    };
    for (const node of order) {
      const record = await this.ctx.store.getPipeline(node.name);
      if (!record) continue;
      const version = await this.versionFor(record, onBranch ?? record.spec.outputBranch);
      pipelines.set(node.name, { record, ...version });
      for (const input of inputRepos(version.spec)) {
        if (inSet.has(input.repo)) continue;
        if (onBranch) {
          await lookBranch(input.repo, onBranch);
          await lookHead(input.repo, onBranch);
        }
        await lookHead(input.repo, input.branch);
      }
      if (await this.ctx.pfs.commits.find(node.name, id)) taken.add(node.name);
      if (onBranch) {
        await lookBranch(node.name, onBranch);
        await lookBranch(node.name, record.spec.outputBranch);
      }
    }
    return { pipelines, branches, inputHeads, taken };
  }

  /**
   * The commit an input outside the cascade is read at: its branch's last finished commit, or
   * the open output commit of an upstream job still running (the new job waits for it, so a
   * pipeline created below a running one sees that job's output). Undefined when there is none.
   */
  async inputHead(repo: string, branch: string): Promise<CommitRecord | undefined> {
    const head = await findBranchCommit(this.ctx.pfs.commits, repo, branch, 'head', this.ctx.deps.log);
    if (head && !head.finished && head.origin === 'auto') return head;
    return findBranchCommit(this.ctx.pfs.commits, repo, branch, 'read', this.ctx.deps.log);
  }

  /** Re-runs every unfinished job after a restart, oldest first, and finishes what failed jobs left open. */
  async resume(): Promise<void> {
    const all = await this.ctx.store.listJobs();
    for (const job of all) await this.runner.closeFailed(job);
    for (const job of all.filter((j) => !FINAL_STATES.has(j.state)).reverse()) this.runner.schedule(job);
  }

  /** `start pipeline`: its jobs held while it was paused run now. */
  started(pipeline: string): void {
    this.runner.resume(pipeline);
  }

  stop(): void {
    this.runner.stop();
  }

  async get(pipeline: string, id: string): Promise<JobRecord> {
    const job = await this.ctx.store.getJob(pipeline, id);
    if (!job) throw new JobNotFound(pipeline, id);
    return this.runner.activeJob(pipeline, id)?.job ?? job;
  }

  /** A running job's datum records that the store may not have yet (JobRunner.datumOverlay). */
  datumOverlay(pipeline: string, id: string): ReturnType<JobRunner['datumOverlay']> {
    return this.runner.datumOverlay(pipeline, id);
  }

  /** Waits until the job is in a final state and its output commit is finished. */
  async wait(pipeline: string, id: string): Promise<JobRecord> {
    for (;;) {
      const job = await this.get(pipeline, id);
      if (FINAL_STATES.has(job.state) && !this.runner.running(pipeline, id)) return job;
      await new Promise<void>((resolve) => {
        const key = `${pipeline}/${id}`;
        this.waiters.set(key, [...(this.waiters.get(key) ?? []), resolve]);
      });
    }
  }

  /**
   * Drops every unfinished job of a pipeline that is being deleted: they stop and are never
   * written again (job-runner.ts), so deleting their records next is final.
   */
  async dropAll(pipeline: string): Promise<void> {
    for (const job of await this.ctx.store.listJobs(pipeline)) {
      if (FINAL_STATES.has(job.state)) continue;
      this.ctx.queue.dropJob(pipeline, job.id);
      this.runner.drop(pipeline, job.id);
    }
  }

  /**
   * Drops one unfinished job whose output commit is being removed (`delete commit --recursive`):
   * it stops and is never written again, and the pipeline's later jobs still run after it.
   */
  discard(pipeline: string, id: string): void {
    this.ctx.queue.dropJob(pipeline, id);
    this.runner.drop(pipeline, id, true);
  }

  /** A job's records are deleted: whoever waits for it learns it is gone. */
  forget(pipeline: string, id: string): void {
    const key = `${pipeline}/${id}`;
    const wakers = this.waiters.get(key) ?? [];
    this.waiters.delete(key);
    for (const w of wakers) w();
  }

  /** The pipeline's records are deleted: whoever waits for one of its jobs learns it is gone. */
  deleted(pipeline: string): void {
    for (const [key, wakers] of this.waiters) {
      if (!key.startsWith(`${pipeline}/`)) continue;
      this.waiters.delete(key);
      for (const w of wakers) w();
    }
  }

  /** True while a job of the pipeline still has datums to run (autoscaling keeps workers then). */
  hasActive(pipeline: string): boolean {
    return this.runner.hasActive(pipeline);
  }

  /** The versions of the pipeline's jobs that still have datums with the workers. */
  activeVersions(pipeline: string): number[] {
    return this.runner.activeVersions(pipeline);
  }

  /** Fails every running job of a pipeline with `reason` (its workers cannot run). */
  failActive(pipeline: string, reason: string): void {
    this.runner.failActive(pipeline, reason);
  }

  /**
   * `stop job`: a job not yet ended ends `killed`; its output commit keeps the last good output.
   * @throws FailedPrecondition when it has already ended or is finishing (merging its output).
   */
  async kill(pipeline: string, id: string, reason: string): Promise<JobRecord> {
    const job = await this.get(pipeline, id);
    if (FINAL_STATES.has(job.state) || job.state === 'finishing') throw new FailedPrecondition('JobEnded', `job ${pipeline}@${id} is ${job.state}: there is nothing to stop`, { pipeline, job: id });
    this.ctx.queue.dropJob(pipeline, id);
    if (this.runner.activeJob(pipeline, id)) {
      this.runner.kill(pipeline, id, reason);
      return this.wait(pipeline, id);
    }
    await this.runner.killBeforeRun(job, reason);
    return job;
  }

  /**
   * `restart datum` on a job that is running datums: the datum (failed, queued or running) goes
   * back to the front of the queue with its tries reset; a late report of its earlier run is ignored.
   * Undefined when the job is not running datums (not started yet, or ended).
   * @throws FailedPrecondition when the datum has a result in this job already.
   */
  async restartDatum(pipeline: string, id: string, datum: string): Promise<JobRecord | undefined> {
    const aj = this.runner.activeJob(pipeline, id);
    if (!aj) return undefined;
    const rec = aj.records.get(datum);
    const task = aj.tasks.get(datum);
    if (!rec || !task || !(rec.state === 'failed' || rec.state === 'queued' || rec.state === 'running')) {
      throw new FailedPrecondition('DatumDone', `datum ${datum} of job ${pipeline}@${id} is ${rec?.state ?? 'not run in this job'}: only a failed, queued or running datum restarts`, { pipeline, job: id, datum });
    }
    this.ctx.queue.revoke(pipeline, id, datum);
    if (rec.state === 'failed') {
      aj.job.datums.failed--;
      aj.outstanding.add(datum);
      const other = [...aj.records.values()].find((r) => r.state === 'failed' && r.id !== datum);
      aj.firstFailure = other ? `datum ${other.id} failed: ${other.reason}` : undefined;
    }
    Object.assign(rec, { state: 'queued', tries: 0, reason: '', durationMs: 0 });
    task.attempts = 0;
    await this.ctx.store.apply([this.ctx.store.datums.putOp(this.ctx.store.datumKey(pipeline, id, datum), rec), ...this.ctx.store.putJobOps(aj.job)]);
    this.ctx.queue.push(pipeline, [task], true);
    return aj.job;
  }

  /** A worker's results (job-results.ts). */
  report(worker: string, results: TaskOutcome[]): Promise<void> {
    return this.results.report(worker, results);
  }

  /** A lost worker's datums go back to the queue or fail (job-results.ts). */
  workerLost(worker: string, reason: string, running?: RunningDatum): Promise<void> {
    return this.results.workerLost(worker, reason, running);
  }

  /** Wakes whoever waits for the job. */
  private ended(job: JobRecord): void {
    const key = `${job.pipeline}/${job.id}`;
    for (const w of this.waiters.get(key) ?? []) w();
    this.waiters.delete(key);
  }
}

function nodeOf(name: string, spec: PipelineSpec): PipelineNode {
  // A reference or pinned input is read by every job but its new commits start none.
  return { name, outputBranch: spec.outputBranch, inputs: inputRepos(spec).filter((i) => !i.reference && !i.commit).map((i) => ({ repo: i.repo, branch: i.branch })) };
}
