// Jobs: one run of a pipeline version over one set of input commits. A new
// user commit sets off a cascade: every pipeline downstream gets a job and an
// open output commit sharing the commit's global ID. Jobs of one pipeline run
// one after another; each waits for its input commits, plans its datums,
// reuses every datum whose ID already has a result, hands the rest to the
// workers, merges all datum outputs into its output commit and finishes it.
import { FailedPrecondition, NotFound } from '../errors/index.js';
import { commitIdFrom, type CommitRecord, type CommitRefRecord } from '../pfs/index.js';
import { downstream, topoOrder, type PipelineNode } from './cascade.js';
import { inputRepos } from './dag.js';
import { mergeOutputs, OutputCollision } from './datum-outputs.js';
import { planDatums, type Datum } from './datums.js';
import type { InputCommit } from './input-files.js';
import { treeInputFiles } from './tree-input-files.js';
import type { PpsContext } from './pps-context.js';
import type { DatumCounts, JobDatumRecord, JobRecord, PipelineRecord } from './records.js';
import type { LeafInput, PipelineSpec } from './spec.js';
import type { DatumTask } from './task-queue.js';

export class JobNotFound extends NotFound {
  constructor(readonly pipeline: string, readonly job: string) {
    super('JobNotFound', `job ${pipeline}@${job} not found`, { pipeline, job });
  }
}

interface ActiveJob {
  job: JobRecord;
  spec: PipelineSpec;
  records: Map<string, JobDatumRecord>;
  outstanding: Set<string>;
  /** The queued task of each datum that runs in this job (`restart datum` queues it again). */
  tasks: Map<string, DatumTask>;
  firstFailure?: string;
  done: () => void;
}

const FINAL = new Set(['success', 'failure', 'killed']);

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
}

export class Jobs {
  private readonly active = new Map<string, ActiveJob>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly waiters = new Map<string, (() => void)[]>();
  /** Jobs stopped (`stop job`) before they ran datums: run() skips them. */
  private readonly stoppedJobs = new Set<string>();
  private stopped = false;

  constructor(private readonly ctx: PpsContext) {}

  /** Graph nodes of every pipeline, for cascades; on `branch`, each pipeline's version for that branch. */
  async nodes(branch?: string): Promise<PipelineNode[]> {
    const out: PipelineNode[] = [];
    for (const p of await this.ctx.store.listPipelines()) {
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
  async onUserCommit(commit: CommitRecord): Promise<void> {
    const nodes = await this.nodes();
    const named = nodes.some((n) => n.inputs.some((i) => i.repo === commit.repo && i.branch === commit.branch));
    const order = named ? downstream(nodes, commit.repo, commit.branch) : downstream(await this.nodes(commit.branch), commit.repo, undefined);
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
   * Creates one job and one open output commit per pipeline in `order`, all with global ID `id`.
   * An input whose repo is in `inSet` (the changed repo, or an output repo of this cascade) is
   * read at commit `id`; any other input at its branch's last finished commit. With `onBranch`,
   * inputs are read at that branch where it exists and outputs go to that branch.
   */
  async createCascade(order: PipelineNode[], id: string, inSet: Set<string>, onBranch?: string): Promise<JobRecord[]> {
    const created: JobRecord[] = [];
    const set = new Set(inSet);
    for (const node of order) {
      const pipeline = await this.ctx.store.getPipeline(node.name);
      if (!pipeline) continue;
      const outputBranch = onBranch ?? pipeline.spec.outputBranch;
      const { version, spec, reprocessNext } = await this.versionFor(pipeline, outputBranch);
      const inputs: CommitRefRecord[] = [];
      for (const input of inputRepos(spec)) {
        const branch = onBranch && (set.has(input.repo) || (await this.ctx.pfs.ctx.meta.getBranch(input.repo, onBranch))) ? onBranch : input.branch;
        if (inputs.some((i) => i.repo === input.repo && i.branch === branch)) continue;
        if (input.commit) inputs.push({ repo: input.repo, branch: input.branch, id: input.commit }); // pinned
        else if (set.has(input.repo)) inputs.push({ repo: input.repo, branch, id });
        else {
          const head = await this.inputHead(input.repo, branch);
          if (head) inputs.push({ repo: input.repo, branch, id: head.id });
        }
      }
      if (await this.ctx.pfs.ctx.meta.getCommit(node.name, id)) continue;
      if (onBranch && !(await this.ctx.pfs.ctx.meta.getBranch(node.name, onBranch))) {
        // The experiment's output branch starts where the main line's output is, so its history is shared.
        const main = await this.ctx.pfs.ctx.meta.getBranch(node.name, pipeline.spec.outputBranch);
        await this.ctx.pfs.branches.create(node.name, onBranch, main?.head ? `${node.name}@${main.head}` : undefined);
      }
      await this.ctx.pfs.commits.start(node.name, outputBranch, { id, origin: 'auto', provenance: inputs, allowOpenParent: true });
      const job: JobRecord = {
        id,
        pipeline: node.name,
        version,
        state: 'created',
        branch: outputBranch,
        inputs,
        datums: { total: 0, processed: 0, skipped: 0, failed: 0, recovered: 0 },
        started: this.ctx.now(),
        finished: null,
        reason: '',
        reprocess: reprocessNext || spec.reprocessSpec === 'every_job',
        seq: this.ctx.store.nextJobSeq(),
      };
      const ops = [...this.ctx.store.putJobOps(job), ...this.ctx.store.subvenanceOps(inputs, { repo: node.name, id })];
      if (reprocessNext) ops.push(this.ctx.store.pipelines.putOp(pipeline.name, withoutReprocess(pipeline, outputBranch)));
      await this.ctx.store.apply(ops);
      set.add(node.name);
      created.push(job);
      this.schedule(job);
    }
    return created;
  }

  /**
   * The commit an input outside the cascade is read at: its branch's last finished commit, or
   * the open output commit of an upstream job still running (the new job waits for it, so a
   * pipeline created below a running one sees that job's output).
   */
  async inputHead(repo: string, branch: string): Promise<CommitRecord | undefined> {
    const head = await this.ctx.pfs.commits.resolve({ repo, name: branch, isId: false, ancestors: 0 }, 'head').catch(() => undefined);
    if (head && !head.finished && head.origin === 'auto') return head;
    return this.ctx.pfs.commits.resolve({ repo, name: branch, isId: false, ancestors: 0 }, 'read').catch(() => undefined);
  }

  /** Re-runs every unfinished job after a restart, oldest first. */
  async resume(): Promise<void> {
    const jobs = (await this.ctx.store.listJobs()).filter((j) => !FINAL.has(j.state)).reverse();
    for (const job of jobs) this.schedule(job);
  }

  stop(): void {
    this.stopped = true;
    for (const aj of this.active.values()) aj.done();
  }

  async get(pipeline: string, id: string): Promise<JobRecord> {
    const job = await this.ctx.store.getJob(pipeline, id);
    if (!job) throw new JobNotFound(pipeline, id);
    return this.active.get(`${pipeline}/${id}`)?.job ?? job;
  }

  /** Waits until the job is in a final state. */
  async wait(pipeline: string, id: string): Promise<JobRecord> {
    for (;;) {
      const job = await this.get(pipeline, id);
      if (FINAL.has(job.state)) return job;
      await new Promise<void>((resolve) => {
        const key = `${pipeline}/${id}`;
        this.waiters.set(key, [...(this.waiters.get(key) ?? []), resolve]);
      });
    }
  }

  /** Kills every unfinished job of a pipeline (it is being deleted). */
  async killAll(pipeline: string, reason: string): Promise<void> {
    for (const job of await this.ctx.store.listJobs(pipeline)) {
      if (FINAL.has(job.state)) continue;
      this.ctx.queue.dropJob(pipeline, job.id);
      const aj = this.active.get(`${pipeline}/${job.id}`);
      if (aj) {
        aj.firstFailure = reason;
        aj.job.state = 'killed';
        aj.done();
      }
    }
  }

  /**
   * `stop job`: a job not yet ended ends `killed`; its output commit keeps the last good output.
   * @throws FailedPrecondition when it has already ended or is finishing (merging its output).
   */
  async kill(pipeline: string, id: string, reason: string): Promise<JobRecord> {
    const job = await this.get(pipeline, id);
    if (FINAL.has(job.state) || job.state === 'finishing') throw new FailedPrecondition('JobEnded', `job ${pipeline}@${id} is ${job.state}: there is nothing to stop`, { pipeline, job: id });
    const key = `${pipeline}/${id}`;
    this.ctx.queue.dropJob(pipeline, id);
    const aj = this.active.get(key);
    if (aj) {
      aj.firstFailure = reason;
      aj.job.state = 'killed';
      aj.done();
      return this.wait(pipeline, id);
    }
    this.stoppedJobs.add(key);
    await this.finish(job, 'killed', reason);
    return job;
  }

  /**
   * `restart datum` on a job that is running datums: the datum (failed, queued or running) goes
   * back to the front of the queue with its tries reset; a late report of its earlier run is ignored.
   * Undefined when the job is not running datums (not started yet, or ended).
   * @throws FailedPrecondition when the datum has a result in this job already.
   */
  async restartDatum(pipeline: string, id: string, datum: string): Promise<JobRecord | undefined> {
    const aj = this.active.get(`${pipeline}/${id}`);
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
    for (const task of this.ctx.queue.releaseWorker(worker)) {
      const aj = this.active.get(`${task.pipeline}/${task.job}`);
      if (!aj) continue;
      if (task.attempts >= aj.spec.datumTries) {
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
      const aj = this.active.get(`${task.pipeline}/${task.job}`);
      if (!aj || !aj.outstanding.has(task.datum)) continue;
      const rec = aj.records.get(task.datum)!;
      // Runs on workers that were lost before reporting count as tries too.
      rec.tries = Math.max(0, task.attempts - 1) + r.tries;
      rec.durationMs = r.durationMs;
      rec.reason = r.reason;
      if (r.success) {
        rec.state = 'success';
        rec.output = r.output;
        aj.job.datums.processed++;
        ops.push(this.ctx.store.resultOp(task.pipeline, task.datum, { output: r.output, job: task.job }));
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

  private schedule(job: JobRecord): void {
    const previous = this.chains.get(job.pipeline) ?? Promise.resolve();
    const next = previous.then(() => this.run(job)).catch((err) => {
      this.ctx.deps.log('error', 'job_crashed', { pipeline: job.pipeline, job: job.id, message: (err as Error).message, stack: (err as Error).stack });
    });
    this.chains.set(job.pipeline, next);
  }

  private async run(job: JobRecord): Promise<void> {
    if (this.stopped || this.stoppedJobs.delete(`${job.pipeline}/${job.id}`)) return;
    const spec = await this.ctx.store.getVersion(job.pipeline, job.version);
    if (!spec) return this.finish(job, 'killed', `pipeline ${job.pipeline} version ${job.version} no longer exists`);
    for (const input of job.inputs) await this.ctx.pfs.commits.waitFor(input.repo, input.id);
    if (this.stopped || this.stoppedJobs.delete(`${job.pipeline}/${job.id}`)) return;
    for (const input of job.inputs) {
      const upstream = await this.ctx.store.getJob(input.repo, input.id);
      if (upstream && (upstream.state === 'failure' || upstream.state === 'killed')) {
        return this.finish(job, 'killed', `input ${input.repo}@${input.id} comes from a job that did not succeed (${upstream.state})`);
      }
    }
    job.state = 'running';
    await this.ctx.store.putJob(job);

    const datums = await planDatums(spec, (leaf) => this.inputCommit(job, leaf));
    const existing = new Map((await this.ctx.store.listJobDatums(job.pipeline, job.id)).map((d) => [d.id, d]));
    const counts: DatumCounts = { total: datums.length, processed: 0, skipped: 0, failed: 0, recovered: 0 };
    const records = new Map<string, JobDatumRecord>();
    const tasks: DatumTask[] = [];
    let ops = [];
    for (const d of datums) {
      const old = existing.get(d.id);
      if (old && (old.state === 'success' || old.state === 'skipped' || old.state === 'recovered')) {
        records.set(d.id, old);
        counts[old.state === 'success' ? 'processed' : old.state === 'skipped' ? 'skipped' : 'recovered']++;
        continue;
      }
      const result = job.reprocess ? undefined : await this.ctx.store.getResult(job.pipeline, d.id);
      const rec: JobDatumRecord = { id: d.id, state: result ? 'skipped' : 'queued', files: filesOf(d), tries: 0, durationMs: 0, reason: '', output: result?.output ?? '' };
      records.set(d.id, rec);
      if (result) counts.skipped++;
      else tasks.push({ pipeline: job.pipeline, job: job.id, datum: d.id, inputs: d.inputs, outputCommit: job.id, version: job.version, attempts: 0 });
      ops.push(this.ctx.store.datums.putOp(this.ctx.store.datumKey(job.pipeline, job.id, d.id), rec));
      if (ops.length >= 1000) {
        await this.ctx.store.apply(ops, false);
        ops = [];
      }
    }
    job.datums = counts;
    await this.ctx.store.apply([...ops, ...this.ctx.store.putJobOps(job)]);

    const aj: ActiveJob = { job, spec, records, outstanding: new Set(tasks.map((t) => t.datum)), tasks: new Map(tasks.map((t) => [t.datum, t])), done: () => {} };
    if (tasks.length > 0) {
      const finished = new Promise<void>((resolve) => (aj.done = resolve));
      this.active.set(`${job.pipeline}/${job.id}`, aj);
      this.ctx.queue.push(job.pipeline, tasks);
      let timer: NodeJS.Timeout | undefined;
      if (spec.jobTimeoutMs) {
        timer = setTimeout(() => {
          aj.firstFailure = `job timed out after ${spec.jobTimeoutMs} ms`;
          this.ctx.queue.dropJob(job.pipeline, job.id);
          aj.done();
        }, spec.jobTimeoutMs);
      }
      await finished;
      clearTimeout(timer);
      this.active.delete(`${job.pipeline}/${job.id}`);
      this.ctx.queue.dropJob(job.pipeline, job.id);
      if (this.stopped) return;
    }
    if ((job.state as string) === 'killed') return this.finish(job, 'killed', aj.firstFailure ?? 'killed');
    if (aj.firstFailure) {
      const failed = job.datums.failed;
      return this.finish(job, 'failure', failed > 1 ? `${failed} datums failed; first: ${aj.firstFailure}` : aj.firstFailure);
    }
    job.state = 'finishing';
    await this.ctx.store.putJob(job);
    try {
      const outputs = [...records.values()].filter((r) => r.output).map((r) => ({ datum: r.id, output: r.output }));
      const root = await mergeOutputs(this.ctx.deps.tree, outputs);
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

  /** Ends a job: its output commit is finished (with `tree`, or unchanged from its last good ancestor). */
  private async finish(job: JobRecord, state: 'success' | 'failure' | 'killed', reason: string, tree?: string): Promise<void> {
    const commit = await this.ctx.pfs.ctx.meta.getCommit(job.pipeline, job.id);
    if (commit && !commit.finished) await this.ctx.pfs.commits.finishWithTree(job.pipeline, job.id, state === 'success' ? tree : undefined);
    job.state = state;
    job.reason = reason;
    job.finished = this.ctx.now();
    await this.ctx.store.putJob(job);
    this.ctx.deps.log(state === 'success' ? 'info' : 'warn', 'job_finished', { pipeline: job.pipeline, job: job.id, state, reason, datums: job.datums });
    if (state !== 'success') {
      await this.ctx.deps.logs.append([{ time: job.finished, pipeline: job.pipeline, job: job.id, datum: '', stream: 'system', message: `job ${state}: ${reason}` }]);
    }
    const key = `${job.pipeline}/${job.id}`;
    for (const w of this.waiters.get(key) ?? []) w();
    this.waiters.delete(key);
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

function nodeOf(name: string, spec: PipelineSpec): PipelineNode {
  // A reference input is read by every job but its commits start none.
  return { name, outputBranch: spec.outputBranch, inputs: inputRepos(spec).filter((i) => !i.reference && !i.commit).map((i) => ({ repo: i.repo, branch: i.branch })) };
}

/** The record once its next job (on `branch`) has taken the `--reprocess` request. */
function withoutReprocess(p: PipelineRecord, branch: string): PipelineRecord {
  const own = p.branches?.[branch];
  if (own) return { ...p, branches: { ...p.branches, [branch]: { ...own, reprocessNext: false } } };
  return { ...p, reprocessNext: false };
}

function filesOf(d: Datum) {
  return d.inputs.flatMap((i) => i.files.map((f) => ({ input: i.name, path: f.path, size: f.size, hash: f.hash })));
}

