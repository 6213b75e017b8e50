// The pipeline system inside the daemon: it listens for finished user commits
// and starts job cascades, resumes unfinished jobs after a restart, keeps each
// running pipeline's workers up, and serves what workers ask for (tasks,
// results, datum outputs) and what users ask about (jobs, datums, logs,
// provenance).
import { summarizeUsage, type DatumUsageSummary } from './datum-usage.js';
import { DatumNotFound, FailedPrecondition, JobNotFound, NotFound, RepoNotFound, UnknownWorker } from '../errors/index.js';
import type { BranchMove, CommitRecord, GcRoot } from '../pfs/index.js';
import { downstream } from './cascade.js';
import { parseRef } from '../pfs/index.js';
import { inputRepos } from './dag.js';
import { parsePipelineSpec } from './spec-parse.js';
import { storeInlineOutput, type DatumOutputUpload, type InlineOutputFile } from './datum-outputs.js';
import { Jobs, type TaskOutcome } from './jobs.js';
import type { LogEntry, LogFilter } from './logs.js';
import { PpsContext, type PpsDeps } from './pps-context.js';
import { Pipelines } from './pipelines.js';
import { Crons } from './crons.js';
import { Experiments } from './experiments.js';
import { Impact } from './impact.js';
import { openDeferred } from './deferred-triggers.js';
import { Transactions } from './transactions.js';
import { JobControl } from './job-control.js';
import { CommitRemoval } from './commit-removal.js';
import { DEFAULT_RETENTION } from './datum-retention.js';
import { ResultPruner } from './result-pruner.js';
import { provenanceTree, subvenanceTree, type ProvenanceLookups, type ProvenanceNode } from './provenance.js';
import type { JobDatumRecord, JobRecord, PipelineRecord } from './records.js';
import type { PipelineSpec } from './spec.js';
import type { DatumTask } from './task-queue.js';
import type { WorkerState } from './runtime.js';
import { inlineInputs, type TaskWithData } from './inline-inputs.js';
import type { RunningDatum } from '../worker-protocol/index.js';

export class Pps {
  private readonly ctx: PpsContext;
  readonly jobs: Jobs;
  readonly pipelines: Pipelines;
  readonly crons: Crons;
  readonly experiments: Experiments;
  readonly impact: Impact;
  readonly control: JobControl;
  readonly transactions: Transactions;
  /** `delete commit` and `squash commit` with their dependants and jobs (commit-removal.ts). */
  readonly removal: CommitRemoval;
  /** Datum result retention: kept() tells the garbage collector which datum outputs the reuse index holds (result-pruner.ts). */
  readonly results: ResultPruner;
  private unhook?: () => void;
  private unhookMoves?: () => void;
  /** Opens the jobs and output commits below a finished user commit before its finish call returns. */
  private readonly onCommit = async (commit: CommitRecord): Promise<void> => {
    if (commit.origin !== 'user') return;
    const deferred = openDeferred(this.ctx.deferred.getStore());
    // One read of the pipelines for this commit (every PUT of an S3 sync comes through here). Without a
    // pipeline no commit starts anything; a transaction's commits wait, as it may still create one.
    const pipelines = deferred ? undefined : await this.ctx.store.listPipelines();
    if (pipelines?.length === 0) return;
    if (await this.onlyFeedsTriggers(commit, pipelines)) return;
    if (deferred) return void deferred.commits.push({ repo: commit.repo, branch: commit.branch, id: commit.id });
    await this.jobs.onUserCommit(commit, pipelines).catch((err) => this.ctx.deps.log('error', 'trigger_failed', { repo: commit.repo, commit: commit.id, message: (err as Error).message }));
  };

  constructor(deps: PpsDeps) {
    this.ctx = new PpsContext(deps);
    this.jobs = new Jobs(this.ctx);
    this.crons = new Crons(this.ctx);
    this.pipelines = new Pipelines(this.ctx, this.jobs, () => this.crons.sync());
    this.experiments = new Experiments(this.ctx, this.jobs);
    this.impact = new Impact(this.ctx, this.jobs);
    this.control = new JobControl(this.ctx, this.jobs, (p, j, d) => this.inspectDatum(p, j, d));
    this.removal = new CommitRemoval(this.ctx, this.jobs);
    this.transactions = new Transactions(this.ctx, this.jobs, this.pipelines);
    this.results = new ResultPruner(this.ctx, deps.retention ?? DEFAULT_RETENTION);
  }

  /**
   * A branch moved to an existing commit (its trigger fired, or `create branch --head`):
   * the pipelines reading that branch run on it, as for a new commit, under the commit's global ID.
   */
  private readonly onMove = async (move: BranchMove): Promise<void> => {
    const deferred = openDeferred(this.ctx.deferred.getStore());
    if (deferred) return void deferred.moves.push({ repo: move.repo, branch: move.branch, to: move.to.id });
    try {
      const order = downstream(await this.jobs.nodes(), move.repo, move.branch);
      if (order.length > 0) await this.jobs.createCascade(order, move.to.id, new Set([move.repo]));
    } catch (err) {
      this.ctx.deps.log('error', 'branch_move_failed', { repo: move.repo, branch: move.branch, commit: move.to.id, message: (err as Error).message });
    }
  };

  /**
   * A commit to a branch that another branch's trigger reads and no pipeline reads
   * (`staging` under `master --trigger staging`) runs nothing itself, not even an
   * experiment: the trigger decides when the data moves on.
   */
  private async onlyFeedsTriggers(commit: CommitRecord, pipelines?: readonly PipelineRecord[]): Promise<boolean> {
    const branches = await this.ctx.pfs.branches.list(commit.repo).catch((err: unknown) => {
      if (err instanceof RepoNotFound) return []; // deleted meanwhile: no branch of it has a trigger
      throw err;
    });
    if (!branches.some((b) => b.trigger?.branch === commit.branch)) return false;
    return !(await this.jobs.nodes(undefined, pipelines)).some((n) => n.inputs.some((i) => i.repo === commit.repo && i.branch === commit.branch));
  }

  async start(): Promise<void> {
    this.unhook = this.ctx.pfs.onFinish(this.onCommit);
    this.unhookMoves = this.ctx.pfs.onBranchMoved(this.onMove);
    for (const p of await this.ctx.store.listPipelines()) {
      if (p.state === 'running') await this.ctx.deps.runtime.ensure(p.name, p.spec.parallelismSpec.constant);
    }
    await this.jobs.resume();
    await this.crons.sync();
    if (this.ctx.deps.retentionIntervalMs) this.results.start(this.ctx.deps.retentionIntervalMs);
  }

  /** Stops and starts every running pipeline's workers (access control was activated: they need their tokens). */
  async restartWorkers(): Promise<void> {
    for (const p of await this.ctx.store.listPipelines()) {
      if (p.state !== 'running') continue;
      await this.ctx.deps.runtime.stop(p.name);
      await this.ctx.deps.runtime.ensure(p.name, p.spec.parallelismSpec.constant);
    }
  }

  async stop(): Promise<void> {
    this.unhook?.();
    this.unhookMoves?.();
    this.crons.clear();
    await this.results.stop();
    this.jobs.stop();
    await this.ctx.deps.runtime.stopAll();
  }

  /** Pipelines that read a repo (or whose output it is): PFS refuses to delete it under them. */
  /** Roots of garbage collection the pipeline system keeps: every datum output its records name. */
  async *gcRoots(): AsyncIterable<GcRoot> {
    for await (const { owner, tree } of this.ctx.store.keptOutputs()) yield { kind: 'tree', owner, tree };
  }

  async repoUsers(repo: string): Promise<string[]> {
    const users: string[] = [];
    for (const p of await this.ctx.store.listPipelines()) {
      if (p.name === repo) users.push(`pipeline ${p.name} (its output repo)`);
      else if (inputRepos(p.spec).some((i) => i.repo === repo)) users.push(`pipeline ${p.name}`);
    }
    return users;
  }

  /** The pipeline whose output repo `repo` is: PFS refuses users' writes there. */
  async outputPipeline(repo: string): Promise<string | undefined> {
    return (await this.ctx.store.getPipeline(repo))?.name;
  }

  async branchUsers(repo: string, branch: string): Promise<string[]> {
    return (await this.ctx.store.listPipelines())
      .filter((p) => inputRepos(p.spec).some((i) => i.repo === repo && i.branch === branch) || (p.name === repo && p.spec.outputBranch === branch))
      .map((p) => `pipeline ${p.name}`);
  }

  // --- the worker side -----------------------------------------------------

  async register(pipeline: string, worker: string): Promise<PipelineRecord> {
    this.checkOwned(pipeline, worker);
    const p = await this.pipelines.get(pipeline);
    this.ctx.deps.log('info', 'worker_registered', { pipeline, worker });
    return p;
  }

  async nextTasks(pipeline: string, worker: string, max: number, waitMs: number, signal?: AbortSignal): Promise<{ tasks: DatumTask[]; pipeline: PipelineRecord }> {
    this.checkOwned(pipeline, worker);
    const p = await this.pipelines.get(pipeline);
    if (p.state !== 'running') {
      await new Promise((r) => setTimeout(r, Math.min(waitMs, 1000)));
      return { tasks: [], pipeline: p };
    }
    const runtime = this.ctx.deps.runtime;
    const accepts = runtime.accepts ? (version: number) => runtime.accepts!(pipeline, worker, version) : undefined;
    const tasks = await this.ctx.queue.take(pipeline, worker, Math.max(1, Math.min(max, 1000)), Math.min(waitMs, 60_000), signal, accepts);
    const current = await this.pipelines.get(pipeline);
    // The tasks are all of one version: the worker gets that version's spec (an older job's, or a branch's).
    const version = tasks[0]?.version;
    if (version === undefined || version === current.version) return { tasks, pipeline: current };
    const spec = await this.ctx.store.getVersion(pipeline, version);
    return { tasks, pipeline: spec ? { ...current, version, spec } : current };
  }

  /** The worker is about to run a leased datum's code: from now on, losing the worker costs the datum a try. */
  started(pipeline: string, worker: string, job: string, datum: string): void {
    this.checkOwned(pipeline, worker);
    this.ctx.queue.start(worker, job, datum);
  }

  /**
   * The worker will run these leased datums next, in order (a group started ahead: one message for many): losing
   * the worker before they are reported charges none of them a try, they run again, each started alone.
   */
  startedAhead(pipeline: string, worker: string, datums: readonly { job: string; datum: string }[]): void {
    this.checkOwned(pipeline, worker);
    for (const d of datums) this.ctx.queue.startAhead(worker, d.job, d.datum);
  }

  /** Throws UnknownWorker for a worker the runtime did not start: a previous daemon's process is never adopted. */
  private checkOwned(pipeline: string, worker: string): void {
    const runtime = this.ctx.deps.runtime;
    if (!runtime.owns || runtime.owns(worker)) return;
    this.ctx.deps.log('warn', 'worker_refused', { pipeline, worker, reason: 'not started by this daemon' });
    throw new UnknownWorker(pipeline, worker);
  }

  /** nextTasks, with the bytes of the tasks' small input files (inline-inputs.ts). */
  async nextTasksWithData(pipeline: string, worker: string, max: number, waitMs: number, signal?: AbortSignal): Promise<{ tasks: TaskWithData[]; pipeline: PipelineRecord }> {
    const { tasks, pipeline: p } = await this.nextTasks(pipeline, worker, max, waitMs, signal);
    const withData = await inlineInputs({ pfs: this.ctx.pfs, tree: this.ctx.deps.tree, content: this.ctx.deps.content }, tasks);
    return { tasks: withData, pipeline: p };
  }

  /** Records results; a result with `outputFiles` (a small output sent inline) has them stored as its output first. */
  async report(pipeline: string, worker: string, results: (TaskOutcome & { outputFiles?: readonly InlineOutputFile[] })[], logs: LogEntry[]): Promise<void> {
    if (logs.length > 0) await this.ctx.deps.logs.append(logs.map((l) => ({ ...l, pipeline })));
    // The inline outputs are stored together: their writes queue at once and share the session's hashing and packing.
    const outcomes: TaskOutcome[] = await Promise.all(
      results.map(async ({ outputFiles, ...r }) => (outputFiles && r.success ? { ...r, output: await storeInlineOutput(this.ctx.outputs, outputFiles) } : r)),
    );
    await this.jobs.report(worker, outcomes);
  }

  /** A worker is gone; `running`: the datum its running mark named (the local runtime), the one it ran. */
  workerLost(pipeline: string, worker: string, reason: string, running?: RunningDatum): void {
    this.ctx.deps.log('warn', 'worker_lost', { pipeline, worker, reason });
    this.jobs.workerLost(worker, reason, running).catch((err) => this.ctx.deps.log('error', 'worker_lost_failed', { message: (err as Error).message }));
  }

  /**
   * A worker pod is gone or restarted (Kubernetes runtime): every worker that ran in it
   * (IDs `POD/...`, one per container start) is lost. A pod that is `gone` (deleted, evicted, ended)
   * gets no tasks ever again: its worker may still ask while it terminates, or may not have asked yet.
   */
  podLost(pipeline: string, pod: string, reason: string, gone = false): void {
    if (gone) this.ctx.queue.losePrefix(`${pod}/`);
    for (const worker of this.ctx.queue.workers()) if (worker.startsWith(`${pod}/`)) this.workerLost(pipeline, worker, reason);
  }

  /**
   * The pipeline's workers as its runtime sees them, each with the datum it runs now (a pod's, by the
   * IDs of its workers, `POD/...`).
   */
  workers(pipeline: string): (WorkerState & { job: string; datum: string })[] {
    const running = this.ctx.queue.startedLeases().filter((l) => l.task.pipeline === pipeline);
    return (this.ctx.deps.runtime.workers?.(pipeline) ?? []).map((w) => {
      const lease = running.find((l) => l.worker === w.id || (w.pod && l.worker.startsWith(`${w.pod}/`)));
      return { ...w, job: lease?.task.job ?? '', datum: lease?.task.datum ?? '' };
    });
  }

  /** True while the pipeline has a job with datums left (the Kubernetes runtime scales autoscaling pipelines to zero otherwise). */
  hasWork(pipeline: string): boolean {
    return this.jobs.hasActive(pipeline);
  }

  /** The pipeline versions whose jobs have datums left (a branch version may need workers of its own). */
  activeVersions(pipeline: string): number[] {
    return this.jobs.activeVersions(pipeline);
  }

  /** The spec of one version of a pipeline (a branch's, or an earlier one), or undefined. */
  versionSpec(pipeline: string, version: number): Promise<PipelineSpec | undefined> {
    return this.ctx.store.getVersion(pipeline, version);
  }

  /** Which workers accept which versions changed (the runtime started workers for one): waiting workers look again. */
  workersChanged(pipeline: string): void {
    this.ctx.queue.rewake(pipeline);
  }

  /**
   * The runtime cannot run the pipeline's workers (`reason` names Kubernetes' reason: ImagePullBackOff,
   * CrashLoopBackOff, Unschedulable, ...; or a local worker's error when its starts never come up):
   * it becomes the pipeline's reason and fails its running jobs,
   * instead of leaving them waiting. `reason` '' clears it once workers run.
   */
  async workersTrouble(pipeline: string, reason: string): Promise<void> {
    const p = await this.ctx.store.getPipeline(pipeline);
    if (!p || p.state !== 'running') return;
    if (p.reason !== reason) {
      await this.ctx.store.apply([this.ctx.store.pipelines.putOp(pipeline, { ...p, reason, updated: this.ctx.now() })]);
      this.ctx.deps.log(reason ? 'warn' : 'info', reason ? 'workers_trouble' : 'workers_running', { pipeline, reason });
    }
    if (reason) this.jobs.failActive(pipeline, `the workers of pipeline ${pipeline} cannot run: ${reason}`);
  }

  /** Starts receiving the output files of a datum of a job (JobNotFound if there is no such job). */
  async datumOutput(ref: { pipeline: string; job: string; datum: string }): Promise<DatumOutputUpload> {
    await this.jobs.get(ref.pipeline, ref.job);
    return this.ctx.outputs.open();
  }

  // --- what users ask --------------------------------------------------------

  /** A pipeline's versions that apply on one branch only, by branch name. */
  async branchVersions(p: PipelineRecord): Promise<{ branch: string; version: number; spec: PipelineSpec }[]> {
    const out = [];
    for (const branch of Object.keys(p.branches ?? {}).sort()) {
      const v = await this.jobs.versionFor(p, branch);
      out.push({ branch, version: v.version, spec: v.spec });
    }
    return out;
  }

  /**
   * `tusk run pipeline NAME [--branch B]`: a job now on the current heads (with B: on branch B
   * of each input that has it, output to NAME@B, and everything below on B too).
   */
  async runPipeline(name: string, branch?: string): Promise<JobRecord> {
    const p = await this.pipelines.get(name);
    if (branch && branch !== p.spec.outputBranch) {
      const { spec } = await this.jobs.versionFor(p, branch);
      let found = Boolean(p.branches?.[branch]) || Boolean(await this.ctx.pfs.branches.find(name, branch));
      for (const input of inputRepos(spec)) if (await this.ctx.pfs.branches.find(input.repo, branch)) found = true;
      if (!found) {
        throw new NotFound('BranchNotFound', `no input of pipeline ${name} has a branch "${branch}" (create one with \`tusk create branch REPO@${branch} --head master\`)`, { branch });
      }
    }
    const job = await this.jobs.runNow(name, branch);
    if (!job) throw new FailedPrecondition('NothingToRun', `pipeline ${name} has no job to run`);
    return job;
  }

  /** What the datums of the pipeline's current version used, over its newest 10 jobs (right-sizing). */
  async datumUsage(p: PipelineRecord): Promise<DatumUsageSummary | undefined> {
    const jobs = (await this.ctx.store.listJobs(p.name)).filter((j) => j.version === p.version).sort((a, b) => (a.started < b.started ? 1 : -1)).slice(0, 10);
    const records = (await Promise.all(jobs.map((j) => this.ctx.store.listJobDatums(p.name, j.id)))).flat();
    return summarizeUsage(records);
  }

  /** Jobs newest first, of one pipeline or of all (a pipeline that does not exist has none). */
  listJobs(pipeline?: string): Promise<JobRecord[]> {
    return this.ctx.store.listJobs(pipeline);
  }

  /** A pipeline's logged lines matching the filter, oldest first. */
  readLogs(filter: LogFilter): AsyncIterable<LogEntry> {
    return this.ctx.deps.logs.read(filter);
  }

  /** Calls `fn` with each line logged from now on that matches the filter; returns the function that stops it. */
  followLogs(filter: LogFilter, fn: (e: LogEntry) => void): () => void {
    return this.ctx.deps.logs.follow(filter, fn);
  }

  /** The job's datum records in datum ID order; a running job's queued datums (not stored until their results come) from memory. */
  async listDatums(pipeline: string, job: string): Promise<JobDatumRecord[]> {
    await this.jobs.get(pipeline, job);
    const stored = await this.ctx.store.listJobDatums(pipeline, job);
    const overlay = this.jobs.datumOverlay(pipeline, job);
    if (!overlay) return stored;
    const byId = new Map(stored.map((d) => [d.id, d]));
    for (const [id, rec] of overlay.records) if (overlay.outstanding.has(id) || !byId.has(id)) byId.set(id, rec);
    return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async inspectDatum(pipeline: string, job: string, datum: string): Promise<JobDatumRecord> {
    await this.jobs.get(pipeline, job);
    const overlay = this.jobs.datumOverlay(pipeline, job);
    const rec = (overlay?.outstanding.has(datum) ? overlay.records.get(datum) : undefined) ?? (await this.ctx.store.datums.get(this.ctx.store.datumKey(pipeline, job, datum))) ?? overlay?.records.get(datum);
    if (!rec) throw new DatumNotFound(pipeline, job, datum);
    return rec;
  }

  async provenance(ref: string): Promise<ProvenanceNode> {
    return provenanceTree(this.lookups(), await this.resolveCommit(ref));
  }

  async subvenance(ref: string): Promise<ProvenanceNode> {
    return subvenanceTree(this.lookups(), await this.resolveCommit(ref));
  }

  /** `tusk impact REPO@REF`: what finishing the open commit (or, for a finished head, committing it) would run. */
  async impactOfRef(ref: string) {
    const parsed = parseRef(ref);
    const commit = await this.ctx.pfs.commits.resolve(parsed, 'head');
    // A commit only a branch trigger reads runs nothing by itself (the trigger decides when data moves on).
    if (await this.onlyFeedsTriggers(commit)) return [];
    return this.impact.ofCommit(commit);
  }

  /** `tusk impact -f SPEC [--branch B]`: what creating or updating the pipeline would run. */
  async impactOfSpec(text: string, branch?: string, reprocess = false) {
    return this.impact.ofSpec({ spec: parsePipelineSpec(text), ...(branch ? { branch } : {}), reprocess });
  }

  /** `tusk list datum -f SPEC [--branch B]`: the datums a job of the spec would have now, and which it would reuse. */
  async datumsOfSpec(text: string, branch?: string, reprocess = false): Promise<{ pipeline: string; datums: JobDatumRecord[] }> {
    const spec = parsePipelineSpec(text);
    return { pipeline: spec.name, datums: await this.impact.datumsOfSpec({ spec, ...(branch ? { branch } : {}), reprocess }) };
  }

  private async resolveCommit(ref: string): Promise<CommitRecord> {
    const parsed = parseRef(ref);
    return this.ctx.pfs.commits.resolve(parsed, parsed.isId ? 'head' : 'read');
  }

  private lookups(): ProvenanceLookups {
    return {
      commit: (repo, id) => this.ctx.pfs.commits.find(repo, id),
      job: async (repo, id) => {
        const job = await this.ctx.store.getJob(repo, id);
        return job ? { pipeline: job.pipeline, version: job.version } : undefined;
      },
      below: (repo, id) => this.ctx.store.subvenance(repo, id),
    };
  }
}

