// Impact preview: what a proposed change would run, without running anything.
// Given a change — an open commit (or a branch head) of an input repo, or a
// pipeline spec — it walks the pipelines the change would set off, in the
// order the cascade would run them, plans each one's datums exactly as its
// job would (same input commits, same spec version, same datum IDs) and counts
// those with a reusable result. A pipeline below one that would run new datums
// reads an output that does not exist yet: its counts are unknown and it says
// so, rather than guessing. Where every datum upstream is reused, the upstream
// output is known (the union of the reused outputs) and the counts below stay
// exact. The same planning lists a proposed spec's datums (`list datum -f`).
import { FailedPrecondition, NotFound } from '../errors/index.js';
import type { CommitRecord } from '../pfs/index.js';
import { downstream, topoOrder, type PipelineNode } from './cascade.js';
import { inputRepos } from './dag.js';
import { planDatums, type Datum } from './datums.js';
import { datumFiles } from './job-plan.js';
import { memoryInputFiles, type InputCommit, type InputFile, type InputFiles } from './input-files.js';
import type { Jobs } from './jobs.js';
import type { PpsContext } from './pps-context.js';
import type { DatumResultRecord, JobDatumRecord } from './records.js';
import type { PipelineSpec } from './spec.js';
import { treeInputFiles } from './tree-input-files.js';

export interface ImpactRow {
  pipeline: string;
  /** The output branch the job would write. */
  branch: string;
  version: number;
  /** Datum counts; null when they depend on outputs not computed yet (`exact` false). */
  datums: { total: number; run: number; reused: number } | null;
  exact: boolean;
  note: string;
}

/** What an input repo would hold at the change: known files, or unknown until its pipeline runs. */
type Predicted = { files: InputFiles; id: string } | { unknown: string };

/** A proposed spec for one pipeline (new or a new version), on its output branch or on `branch`. */
export interface SpecChange {
  spec: PipelineSpec;
  branch?: string;
  reprocess?: boolean;
}

export class Impact {
  constructor(private readonly ctx: PpsContext, private readonly jobs: Jobs) {}

  /** What finishing `commit` (open, or a branch head as if just committed) would run. */
  async ofCommit(commit: CommitRecord): Promise<ImpactRow[]> {
    const nodes = await this.jobs.nodes();
    const named = nodes.some((n) => n.inputs.some((i) => i.repo === commit.repo && i.branch === commit.branch));
    const order = named ? downstream(nodes, commit.repo, commit.branch) : downstream(await this.jobs.nodes(commit.branch), commit.repo, undefined);
    const changed = { files: treeInputFiles(this.ctx.deps.tree, commit.tree), id: commit.id };
    return this.walk(order, new Map([[commit.repo, changed]]), named ? undefined : commit.branch);
  }

  /** What `update pipeline -f` (or `create pipeline -f`) with this spec would run. */
  async ofSpec(change: SpecChange): Promise<ImpactRow[]> {
    const name = change.spec.name;
    const { onBranch, version } = await this.proposed(change);
    const others = (onBranch ? await this.jobs.nodes(onBranch) : await this.jobs.nodes()).filter((n) => n.name !== name);
    const root: PipelineNode = { name, outputBranch: change.spec.outputBranch, inputs: inputRepos(change.spec).map((i) => ({ repo: i.repo, branch: i.branch })) };
    const nodes = [...others, root];
    const below = downstream(nodes, name, onBranch ? undefined : root.outputBranch);
    return this.walk(topoOrder([root, ...below]), new Map(), onBranch, { name, spec: change.spec, version, reprocess: Boolean(change.reprocess) });
  }

  /**
   * The datums a job of this spec would have now (`list datum -f`), each in
   * the state the job would give it first: skipped (an earlier result is
   * reused) or queued. Refused while an input is still being computed.
   */
  async datumsOfSpec(change: SpecChange): Promise<JobDatumRecord[]> {
    const { spec } = change;
    const { onBranch } = await this.proposed(change);
    const { inputs, unknown } = await this.inputsOf(spec, new Map(), onBranch);
    if (unknown) throw new FailedPrecondition('InputNotReady', `pipeline "${spec.name}": its datums depend on the output of ${unknown}; wait for it (tusk wait commit) and list again`, { pipeline: spec.name });
    const datums = await this.plan(spec.name, spec, inputs, Boolean(change.reprocess) || spec.reprocessSpec === 'every_job');
    const records = datums.map(({ datum, result }): JobDatumRecord => ({ id: datum.id, state: result ? 'skipped' : 'queued', files: datumFiles(datum), tries: 0, durationMs: 0, reason: '', output: result?.output ?? '' }));
    return records.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** The datums a job of `spec` would plan on `inputs`, each with the earlier result it would reuse (none when reprocessing). */
  private async plan(pipeline: string, spec: PipelineSpec, inputs: Map<string, InputCommit>, reprocess: boolean): Promise<{ datum: Datum; result?: DatumResultRecord }[]> {
    const datums = await planDatums(spec, (leaf) => inputs.get(`${leaf.repo}@${leaf.branch}`) ?? { repo: leaf.repo, branch: leaf.branch, commit: '', files: memoryInputFiles([]) }, this.ctx.deps.maxJobDatums);
    const planned: { datum: Datum; result?: DatumResultRecord }[] = [];
    for (const datum of datums) {
      const result = reprocess ? undefined : await this.ctx.store.getResult(pipeline, datum.id);
      planned.push(result ? { datum, result } : { datum });
    }
    return planned;
  }

  /** Checks a proposed spec's inputs exist; the branch it would apply on (when not its own), and its version number. */
  private async proposed(change: SpecChange): Promise<{ onBranch?: string; version: number }> {
    const name = change.spec.name;
    const existing = await this.ctx.store.getPipeline(name);
    for (const input of inputRepos(change.spec)) {
      if (input.kind === 'pfs' && !(await this.ctx.pfs.repos.find(input.repo))) {
        throw new NotFound('RepoNotFound', `input "${input.name}" of pipeline "${name}": repo "${input.repo}" not found`, { repo: input.repo });
      }
    }
    const onBranch = change.branch && change.branch !== (existing?.spec.outputBranch ?? change.spec.outputBranch) ? change.branch : undefined;
    const version = existing ? (await this.ctx.store.lastVersion(name)) + 1 : 1;
    return onBranch ? { onBranch, version } : { version };
  }

  private async walk(order: PipelineNode[], set: Map<string, Predicted>, onBranch?: string, override?: { name: string; spec: PipelineSpec; version: number; reprocess: boolean }): Promise<ImpactRow[]> {
    const rows: ImpactRow[] = [];
    for (const node of order) {
      const record = await this.ctx.store.getPipeline(node.name);
      let version: number;
      let spec: PipelineSpec;
      let reprocess: boolean;
      if (override?.name === node.name) ({ version, spec, reprocess } = override);
      else if (record) {
        const v = await this.jobs.versionFor(record, onBranch ?? record.spec.outputBranch);
        ({ version, spec } = v);
        reprocess = v.reprocessNext;
      } else continue;
      reprocess ||= spec.reprocessSpec === 'every_job';
      const branch = onBranch ?? spec.outputBranch;
      const { inputs, unknown } = await this.inputsOf(spec, set, onBranch);
      if (unknown) {
        rows.push({ pipeline: node.name, branch, version, datums: null, exact: false, note: `depends on the output of ${unknown}` });
        set.set(node.name, { unknown: node.name });
        continue;
      }
      const datums = await this.plan(node.name, spec, inputs, reprocess);
      const outputs = datums.flatMap((d) => (d.result ? [d.result.output] : []));
      const run = datums.length - outputs.length;
      rows.push({ pipeline: node.name, branch, version, datums: { total: datums.length, run, reused: datums.length - run }, exact: true, note: reprocess ? 'reprocess: every datum runs' : '' });
      if (run > 0) set.set(node.name, { unknown: node.name });
      else set.set(node.name, { files: memoryInputFiles(await this.union(outputs)), id: '' });
    }
    return rows;
  }

  /**
   * The input commits a job of `spec` would read: the predicted ones in `set`,
   * else each input's head (on `onBranch` where the repo has it). `unknown`
   * names the first input whose content is not known yet.
   */
  private async inputsOf(spec: PipelineSpec, set: Map<string, Predicted>, onBranch?: string): Promise<{ inputs: Map<string, InputCommit>; unknown?: string }> {
    const inputs = new Map<string, InputCommit>();
    let unknown: string | undefined;
    for (const input of inputRepos(spec)) {
      const readBranch = onBranch && (set.has(input.repo) || (await this.ctx.pfs.branches.find(input.repo, onBranch))) ? onBranch : input.branch;
      const predicted = set.get(input.repo);
      if (predicted && 'unknown' in predicted) unknown ??= `${predicted.unknown}, which would run new datums`;
      else if (predicted) inputs.set(`${input.repo}@${input.branch}`, { repo: input.repo, branch: readBranch, commit: predicted.id, files: predicted.files });
      else {
        const head = await this.jobs.inputHead(input.repo, readBranch);
        if (head && !head.finished) unknown ??= `${input.repo} (its job ${head.id} is still running)`;
        else if (head) inputs.set(`${input.repo}@${input.branch}`, { repo: input.repo, branch: readBranch, commit: head.id, files: treeInputFiles(this.ctx.deps.tree, head.tree) });
      }
    }
    return unknown ? { inputs, unknown } : { inputs };
  }

  /** The files of the union of reused outputs (what the job's output commit would hold). */
  private async union(outputs: string[]): Promise<InputFile[]> {
    const files = new Map<string, InputFile>();
    for (const output of outputs) {
      if (!output) continue;
      for await (const e of this.ctx.deps.tree.scan(output)) files.set(e.path, { path: e.path, size: e.size, hash: e.hash });
    }
    return [...files.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
}
