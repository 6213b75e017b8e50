// Pipelines: create (with its output repo), update (a new version), inspect,
// list, stop, start and delete. Creating or updating a pipeline whose inputs
// have commits runs a job on them at once.
import { AlreadyExists, BranchNotFound, InUse, InvalidArgument, NotFound, RepoExists } from '../errors/index.js';
import { findCycle, inputRepos } from './dag.js';
import type { Jobs } from './jobs.js';
import type { PpsContext } from './pps-context.js';
import type { PipelineRecord } from './records.js';
import { parsePipelineSpec } from './spec-parse.js';
import type { PipelineSpec } from './spec.js';

export class PipelineNotFound extends NotFound {
  constructor(readonly pipeline: string) {
    super('PipelineNotFound', `pipeline "${pipeline}" not found`, { pipeline });
  }
}

export class PipelineExists extends AlreadyExists {
  constructor(readonly pipeline: string) {
    super('PipelineExists', `pipeline "${pipeline}" already exists; use \`tusk update pipeline\` to change it`, { pipeline });
  }
}

export interface CreateOptions {
  update?: boolean;
  reprocess?: boolean;
}

export class Pipelines {
  /** `changed` is called after a pipeline is created, updated, stopped, started or deleted (cron schedules follow it). */
  constructor(private readonly ctx: PpsContext, private readonly jobs: Jobs, private readonly changed: () => Promise<void> = async () => {}) {}

  async create(text: string, options: CreateOptions = {}): Promise<PipelineRecord> {
    const spec = parsePipelineSpec(text);
    const update = options.update || spec.update;
    const existing = await this.ctx.store.getPipeline(spec.name);
    if (existing && !update) throw new PipelineExists(spec.name);
    if (!existing && options.update) throw new PipelineNotFound(spec.name);
    await this.checkInputs(spec);
    await this.checkCycle(spec);
    if (spec.dryRun) return record(spec, existing ? existing.version + 1 : 1, this.ctx.now(), existing);
    if (!existing) await this.createOutputRepo(spec);
    const now = this.ctx.now();
    const pipeline: PipelineRecord = {
      ...record(spec, existing ? existing.version + 1 : 1, now, existing),
      reprocessNext: Boolean(options.reprocess || spec.reprocess),
    };
    await this.ctx.store.apply(this.ctx.store.putPipelineOps(pipeline));
    this.ctx.deps.log('info', existing ? 'pipeline_updated' : 'pipeline_created', { pipeline: spec.name, version: pipeline.version });
    if (pipeline.state === 'running') await this.ctx.deps.runtime.ensure(spec.name, spec.parallelismSpec.constant);
    if (await this.hasInputCommits(spec)) await this.jobs.runNow(spec.name);
    await this.changed();
    return (await this.ctx.store.getPipeline(spec.name))!;
  }

  async get(name: string): Promise<PipelineRecord> {
    const p = await this.ctx.store.getPipeline(name);
    if (!p) throw new PipelineNotFound(name);
    return p;
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
    const running = { ...p, state: 'running' as const, reason: '', updated: this.ctx.now() };
    await this.ctx.store.apply([this.ctx.store.pipelines.putOp(name, running)]);
    await this.ctx.deps.runtime.ensure(name, p.spec.parallelismSpec.constant);
    await this.changed();
    return running;
  }

  async delete(name: string, force = false): Promise<void> {
    await this.get(name);
    const readers = (await this.list()).filter((p) => p.name !== name && inputRepos(p.spec).some((i) => i.repo === name));
    if (readers.length > 0 && !force) throw new InUse(`the output of pipeline "${name}"`, readers.map((p) => `pipeline ${p.name}`));
    await this.ctx.deps.runtime.stop(name);
    await this.jobs.killAll(name, `pipeline ${name} was deleted`);
    await this.ctx.store.apply(await this.ctx.store.deletePipelineOps(name));
    await this.ctx.pfs.repos.delete(name, true).catch((err) => {
      if ((err as { code?: string }).code !== 'RepoNotFound') throw err;
    });
    await this.ctx.deps.logs.remove(name);
    await this.changed();
  }

  /** Every input repo must exist; a missing input branch is created empty only when it is master. */
  private async checkInputs(spec: PipelineSpec): Promise<void> {
    for (const input of inputRepos(spec)) {
      if (input.kind === 'cron') {
        if (!(await this.ctx.pfs.ctx.meta.getRepo(input.repo))) await this.ctx.pfs.repos.create(input.repo, `cron ticks of pipeline ${spec.name}`);
        continue;
      }
      if (input.repo === spec.name) throw new InvalidArgument('PipelineCycle', `pipeline "${spec.name}" cannot read its own output repo`);
      if (!(await this.ctx.pfs.ctx.meta.getRepo(input.repo))) {
        throw new NotFound('RepoNotFound', `input "${input.name}" of pipeline "${spec.name}": repo "${input.repo}" not found`, { repo: input.repo });
      }
      if (!(await this.ctx.pfs.ctx.meta.getBranch(input.repo, input.branch))) {
        if (input.branch !== 'master') throw new BranchNotFound(input.repo, input.branch);
        await this.ctx.pfs.branches.create(input.repo, 'master');
      }
    }
  }

  private async checkCycle(spec: PipelineSpec): Promise<void> {
    const others = (await this.list()).filter((p) => p.name !== spec.name);
    const graph = [...others, { spec }].map((p) => ({ name: p.spec.name, inputRepos: inputRepos(p.spec).map((i) => i.repo) }));
    const cycle = findCycle(graph);
    if (cycle) throw new InvalidArgument('PipelineCycle', `pipeline "${spec.name}" would create a cycle: ${cycle.join(' → ')}`);
  }

  private async createOutputRepo(spec: PipelineSpec): Promise<void> {
    if (await this.ctx.pfs.ctx.meta.getRepo(spec.name)) {
      throw new RepoExists(spec.name);
    }
    await this.ctx.pfs.repos.create(spec.name, `output of pipeline ${spec.name}`);
    await this.ctx.pfs.branches.create(spec.name, spec.outputBranch);
  }

  private async hasInputCommits(spec: PipelineSpec): Promise<boolean> {
    for (const input of inputRepos(spec)) {
      const branch = await this.ctx.pfs.ctx.meta.getBranch(input.repo, input.branch);
      if (branch?.head) return true;
    }
    return false;
  }
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
