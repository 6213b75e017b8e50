// Pipelines: create (with its output repo), update (a new version), inspect,
// list, stop, start and delete. Creating or updating a pipeline whose inputs
// have commits runs a job on them at once.
import { BranchNotFound, InUse, InvalidArgument, InvalidSpec, NotFound, PipelineExists, PipelineNotFound, RepoNotFound, SecretNotFound } from '../errors/index.js';
import type { MetadataOp } from '../storage/metadata-store.js';
import type { PfsChange } from './pfs-access.js';
import { checkBranchName } from '../pfs/index.js';
import { findCycle, inputRepos } from './dag.js';
import type { Jobs } from './jobs.js';
import type { PpsContext } from './pps-context.js';
import type { PipelineRecord } from './records.js';
import { parsePipelineSpec } from './spec-parse.js';
import { applySpecTriggers, specTriggers, type SpecTrigger } from './spec-triggers.js';
import type { PipelineSpec } from './spec.js';
import { checkParallelism } from './worker-limits.js';
import { openDeferred } from './deferred-triggers.js';

export interface CreateOptions {
  update?: boolean;
  reprocess?: boolean;
  /** The new version applies on this branch only (an experiment); other branches keep theirs. */
  branch?: string;
  /** Check the spec (and, for an existing pipeline, treat it as an update) without creating anything: `validate pipeline`. */
  dryRun?: boolean;
}

/** Pipelines planned earlier in one change, by name (a transaction creating two, or one twice). */
export type StagedPipelines = Map<string, PipelineRecord>;

export interface PipelinePlan {
  pipeline: PipelineRecord;
  /** A new pipeline (not an update). */
  created: boolean;
  /** Its records, for the change's one batch. */
  ops: MetadataOp[];
}

/** One stored version of a pipeline, and the branches whose jobs run it now (none: superseded). */
export interface PipelineVersionInfo {
  version: number;
  spec: PipelineSpec;
  runsOn: string[];
}

export class Pipelines {
  /** `changed` is called after a pipeline is created, updated, stopped, started or deleted (cron schedules follow it). */
  constructor(private readonly ctx: PpsContext, private readonly jobs: Jobs, private readonly changed: () => Promise<void> = async () => {}) {}

  async create(text: string, options: CreateOptions = {}): Promise<PipelineRecord> {
    const spec = parsePipelineSpec(text);
    const existing = await this.ctx.store.getPipeline(spec.name);
    if (options.branch && options.branch !== existing?.spec.outputBranch) return this.updateOnBranch(spec, options.branch, existing, Boolean(options.reprocess || spec.reprocess), Boolean(spec.dryRun || options.dryRun));
    const triggers = specTriggers(spec);
    if (spec.dryRun || options.dryRun || triggers.length > 0) {
      const checked = await this.ctx.pfs.preview((change) => this.plan(spec, options, change, new Map()));
      if (spec.dryRun || options.dryRun) return { ...checked.pipeline, reprocessNext: false };
    }
    // input.pfs.trigger: the input branch follows its trigger's branch (set, once checked, before the pipeline exists, so a move now runs it once, below).
    await applySpecTriggers(this.ctx.pfs, triggers);
    const plan = await this.ctx.pfs.atomically(pipelineRepos(spec), async (change) => {
      const planned = await this.plan(spec, options, change, new Map());
      return { result: planned, ops: planned.ops };
    });
    await this.after(plan);
    return (await this.ctx.store.getPipeline(spec.name))!;
  }

  /**
   * Checks creating or updating a pipeline and plans its writes in `change` (its output repo and
   * branch, a cron repo, an empty master input branch) and the ops it returns (its records),
   * writing nothing. `staged` holds the pipelines planned before it in the same change (a
   * transaction creating two) and gets this one. Throws PipelineExists, PipelineNotFound,
   * InvalidArgument, NotFound, BranchNotFound, RepoExists, SecretNotFound, InvalidSpec.
   */
  async plan(spec: PipelineSpec, options: CreateOptions, change: PfsChange, staged: StagedPipelines): Promise<PipelinePlan> {
    const update = options.update || spec.update;
    const existing = staged.get(spec.name) ?? (await this.ctx.store.getPipeline(spec.name));
    if (existing && !update) throw new PipelineExists(spec.name);
    if (!existing && options.update && !options.dryRun) throw new PipelineNotFound(spec.name);
    await this.checkWorkers(spec.name, spec.parallelismSpec.constant, staged);
    await this.checkInputs(spec, change, specTriggers(spec));
    await this.checkCycle(spec, undefined, staged);
    await this.checkSecrets(spec);
    const version = existing ? (staged.get(spec.name)?.version ?? (await this.ctx.store.lastVersion(spec.name))) + 1 : 1;
    if (!existing) {
      await change.createRepo(spec.name, `output of pipeline ${spec.name}`);
      await change.createBranch(spec.name, spec.outputBranch);
    }
    const pipeline: PipelineRecord = { ...record(spec, version, this.ctx.now(), existing), reprocessNext: Boolean(options.reprocess || spec.reprocess) };
    staged.set(spec.name, pipeline);
    return { pipeline, created: !existing, ops: this.ctx.store.putPipelineOps(pipeline) };
  }

  /** What a planned pipeline sets off once written: its workers, a job on its inputs' commits (in a transaction: once, after), cron schedules. */
  async after(plan: PipelinePlan): Promise<void> {
    const { pipeline } = plan;
    const spec = pipeline.spec;
    this.ctx.deps.log('info', plan.created ? 'pipeline_created' : 'pipeline_updated', { pipeline: spec.name, version: pipeline.version });
    if (pipeline.state === 'running') await this.ctx.deps.runtime.ensure(spec.name, spec.parallelismSpec.constant);
    if (await this.hasInputCommits(spec)) {
      const deferred = openDeferred(this.ctx.deferred.getStore());
      if (deferred) deferred.pipelines.add(spec.name); // in a transaction: it runs once, after (transactions.ts)
      else await this.jobs.runNow(spec.name);
    }
    await this.changed();
  }

  /**
   * `update pipeline --branch B`: a new version that jobs writing to branch B run; the main line
   * keeps its version. The pipeline and everything below it run on B at once (inputs at B where
   * that branch exists), reusing every datum whose ID is unchanged.
   */
  private async updateOnBranch(spec: PipelineSpec, branch: string, existing: PipelineRecord | undefined, reprocess: boolean, dryRun: boolean): Promise<PipelineRecord> {
    checkBranchName(branch);
    if (!existing) throw new PipelineNotFound(spec.name, `pipeline "${spec.name}" not found; create it on the main line first, then \`tusk update pipeline --branch ${branch}\``);
    const planOnBranch = async (change: PfsChange) => {
      await this.checkInputs(spec, change);
      await this.checkCycle(spec, branch);
      const version = (await this.ctx.store.lastVersion(spec.name)) + 1;
      const pipeline: PipelineRecord = { ...existing, updated: this.ctx.now(), branches: { ...existing.branches, [branch]: { version, reprocessNext: reprocess } } };
      return { result: pipeline, ops: [this.ctx.store.putVersionOp(spec.name, version, spec), this.ctx.store.pipelines.putOp(spec.name, pipeline)] };
    };
    if (dryRun) return (await this.ctx.pfs.preview(planOnBranch)).result;
    const pipeline = await this.ctx.pfs.atomically(pipelineRepos(spec), planOnBranch);
    const version = pipeline.branches![branch]!.version;
    this.ctx.deps.log('info', 'pipeline_updated', { pipeline: spec.name, version, branch });
    if (pipeline.state === 'running') await this.jobs.runNow(spec.name, branch);
    await this.changed();
    return (await this.ctx.store.getPipeline(spec.name))!;
  }

  async get(name: string): Promise<PipelineRecord> {
    const p = await this.ctx.store.getPipeline(name);
    if (!p) throw new PipelineNotFound(name);
    return p;
  }

  /**
   * `list pipeline --history N`: the versions that run now (on the main line and on
   * branches) and the `previous` latest ones no branch runs any more (all when negative),
   * newest first, each with the branches whose jobs run it.
   */
  async history(name: string, previous: number): Promise<PipelineVersionInfo[]> {
    const p = await this.get(name);
    const runsOn = (version: number) => [
      ...(p.version === version ? [p.spec.outputBranch] : []),
      ...Object.entries(p.branches ?? {}).filter(([, b]) => b.version === version).map(([branch]) => branch).sort(),
    ];
    const versions = (await this.ctx.store.versionsOf(name)).reverse().map((v) => ({ version: v.version, spec: v.spec, runsOn: runsOn(v.version) }));
    let superseded = 0;
    return versions.filter((v) => v.runsOn.length > 0 || previous < 0 || superseded++ < previous);
  }

  list(): Promise<PipelineRecord[]> {
    return this.ctx.store.listPipelines();
  }

  async stop(name: string): Promise<PipelineRecord> {
    const p = await this.get(name);
    const stopped = { ...p, state: 'paused' as const, updated: this.ctx.now() };
    await this.ctx.store.apply([this.ctx.store.pipelines.putOp(name, stopped)]);
    await this.ctx.deps.runtime.stop(name);
    await this.changed();
    return stopped;
  }

  async start(name: string): Promise<PipelineRecord> {
    const p = await this.get(name);
    await this.checkWorkers(name, p.spec.parallelismSpec.constant, new Map());
    const running = { ...p, state: 'running' as const, reason: '', updated: this.ctx.now() };
    await this.ctx.store.apply([this.ctx.store.pipelines.putOp(name, running)]);
    await this.ctx.deps.runtime.ensure(name, p.spec.parallelismSpec.constant);
    this.jobs.started(name);
    await this.changed();
    return running;
  }

  /** Deletes the pipeline, its jobs and logs, and its output repo unless `keepRepo` (pachctl's --keep-repo: it stays as a plain repo). */
  async delete(name: string, force = false, keepRepo = false): Promise<void> {
    await this.get(name);
    const readers = (await this.list()).filter((p) => p.name !== name && inputRepos(p.spec).some((i) => i.repo === name));
    if (readers.length > 0 && !force) throw new InUse(`the output of pipeline "${name}"`, readers.map((p) => `pipeline ${p.name}`));
    await this.ctx.deps.runtime.stop(name);
    await this.jobs.dropAll(name);
    await this.ctx.store.apply(await this.ctx.store.deletePipelineOps(name));
    this.jobs.deleted(name);
    if (!keepRepo) {
      await this.ctx.pfs.repos.delete(name, true).catch((err: unknown) => {
        if (!(err instanceof RepoNotFound)) throw err;
      });
    }
    await this.ctx.deps.logs.remove(name);
    await this.changed();
  }

  /** Refuses a parallelism over the daemon's worker limits (worker-limits.ts). */
  private async checkWorkers(name: string, parallelism: number, staged: StagedPipelines): Promise<void> {
    const limits = this.ctx.deps.workerLimits;
    if (!limits) return;
    const running = (await this.listWith(staged)).filter((p) => p.state === 'running').map((p) => ({ name: p.name, parallelism: p.spec.parallelismSpec.constant }));
    checkParallelism(name, parallelism, limits, running);
  }

  /** Input repos must exist; a missing input branch is created empty if it is master (or gets a trigger from the spec, later), else BranchNotFound. */
  private async checkInputs(spec: PipelineSpec, change: PfsChange, triggers: readonly SpecTrigger[] = []): Promise<void> {
    for (const input of inputRepos(spec)) {
      if (input.kind === 'cron') {
        if (!(await change.getRepo(input.repo))) await change.createRepo(input.repo, `cron ticks of pipeline ${spec.name}`);
        continue;
      }
      if (input.repo === spec.name) throw new InvalidArgument('PipelineCycle', `pipeline "${spec.name}" cannot read its own output repo`);
      if (!(await change.getRepo(input.repo))) {
        throw new NotFound('RepoNotFound', `input "${input.name}" of pipeline "${spec.name}": repo "${input.repo}" not found`, { repo: input.repo });
      }
      if (!(await change.getBranch(input.repo, input.branch))) {
        if (triggers.some((t) => t.repo === input.repo && t.branch === input.branch)) continue;
        if (input.branch !== 'master') throw new BranchNotFound(input.repo, input.branch);
        await change.createBranch(input.repo, 'master');
      }
      if (input.commit) {
        const pinned = await change.getCommit(input.repo, input.commit);
        if (!pinned) throw new NotFound('CommitNotFound', `input "${input.name}" of pipeline "${spec.name}": commit ${input.commit} not found in repo "${input.repo}"`, { repo: input.repo, commit: input.commit });
        if (!pinned.finished) throw new InvalidArgument('CommitOpen', `input "${input.name}" of pipeline "${spec.name}": commit ${input.commit} in repo "${input.repo}" is not finished`, { repo: input.repo, commit: input.commit });
      }
    }
  }

  /** Refuses a spec that would close a cycle, among the main line's versions or, with `branch`, that branch's. */
  private async checkCycle(spec: PipelineSpec, branch?: string, staged: StagedPipelines = new Map()): Promise<void> {
    const graph = [{ name: spec.name, inputRepos: inputRepos(spec).map((i) => i.repo) }];
    for (const p of await this.listWith(staged)) {
      if (p.name === spec.name) continue;
      const other = branch ? (await this.jobs.versionFor(p, branch)).spec : p.spec;
      graph.push({ name: p.name, inputRepos: inputRepos(other).map((i) => i.repo) });
    }
    const cycle = findCycle(graph);
    if (cycle) throw new InvalidArgument('PipelineCycle', `pipeline "${spec.name}" would create a cycle${branch ? ` on branch ${branch}` : ''}: ${cycle.join(' → ')}`);
  }

  /** Every transform.secrets entry names a stored secret (and a key it has, when it names one). */
  private async checkSecrets(spec: PipelineSpec): Promise<void> {
    for (const s of spec.transform.secrets) {
      const keys = this.ctx.deps.secrets ? await this.ctx.deps.secrets.keys(s.name) : undefined;
      if (!keys) throw new SecretNotFound(s.name, `pipeline ${spec.name}: transform.secrets names secret "${s.name}", which does not exist (create it first: \`tusk create secret ${s.name} --from-literal KEY=VALUE\`)`);
      if (s.key && !keys.includes(s.key)) throw new SecretNotFound(s.name, `pipeline ${spec.name}: secret "${s.name}" has no key "${s.key}" (its keys: ${keys.join(', ')})`);
      if (!s.envVar && !s.mountPath) throw new InvalidSpec([{ path: 'transform.secrets', problem: `secret "${s.name}" sets neither env_var nor mount_path` }]);
      if (s.envVar && !s.key) throw new InvalidSpec([{ path: 'transform.secrets', problem: `secret "${s.name}": env_var "${s.envVar}" needs the key to read it from` }]);
    }
  }

  /** The pipelines, with the ones `staged` plans in place of their stored records. */
  private async listWith(staged: StagedPipelines): Promise<PipelineRecord[]> {
    const stored = (await this.list()).filter((p) => !staged.has(p.name));
    return [...stored, ...staged.values()];
  }

  private async hasInputCommits(spec: PipelineSpec): Promise<boolean> {
    for (const input of inputRepos(spec)) {
      const branch = await this.ctx.pfs.branches.find(input.repo, input.branch);
      if (branch?.head) return true;
    }
    return false;
  }
}

/** Every repo a pipeline's creation may write to: its output repo and its inputs' (an empty master branch, a cron repo). */
export function pipelineRepos(spec: PipelineSpec): string[] {
  return [spec.name, ...inputRepos(spec).map((i) => i.repo)];
}

function record(spec: PipelineSpec, version: number, now: string, existing?: PipelineRecord): PipelineRecord {
  return {
    name: spec.name,
    version,
    spec,
    state: existing?.state ?? 'running',
    created: existing?.created ?? now,
    updated: now,
    reason: '',
    reprocessNext: false,
  };
}
