// Experiments: a branch name (e.g. `exp`) that exists in some repos of the
// DAG, with pipeline versions of its own. `diff` summarises, for every repo of
// the DAG that has the branch, what the experiment changed against the main
// line (files added / modified / deleted, with bytes); `promote` makes the
// experiment the main line: each main-line branch fast-forwards to the
// experiment's head and the branch's pipeline versions become the main ones.
// A promote that is not a fast-forward everywhere changes nothing. `list`
// names every experiment there is; `delete` discards one: its branch in every
// repo of the DAG and its pipeline versions (the commits stay, as after
// `delete branch`).
import { BranchNotFound, CommitNotFound, ExperimentNotFound, ExperimentRunning, NotFastForward, RepoNotFound } from '../errors/index.js';
import type { CommitRecord } from '../pfs/index.js';
import { inputRepos } from './dag.js';
import type { Jobs } from './jobs.js';
import type { PpsContext } from './pps-context.js';
import type { PipelineRecord } from './records.js';

export interface ExperimentRepo {
  repo: string;
  /** The experiment branch. */
  branch: string;
  /** The main-line branch it is compared with (the branch the DAG reads or writes on the main line). */
  base: string;
  /** Last finished commits of both ('' where the branch has none). */
  head: string;
  baseHead: string;
  /** Set for a pipeline's output repo: the version on each side. */
  pipeline?: { version: number; baseVersion: number };
  added: number;
  modified: number;
  deleted: number;
  bytesAdded: number;
  bytesModified: number;
  bytesDeleted: number;
}

export interface PromoteResult {
  /** Main-line branches moved: repo, branch, from, to. */
  moved: { repo: string; branch: string; from: string; to: string }[];
  /** Pipelines whose main-line version changed. */
  pipelines: { name: string; from: number; to: number }[];
}

export interface ExperimentSummary {
  branch: string;
  /** Repos of the DAG that have the branch (none of them as its main line). */
  repos: string[];
  /** Pipelines with a version of their own for the branch. */
  pipelines: { name: string; version: number }[];
  /** `repo@branch` of each repo whose head on the branch is still open (a job or a `start commit` under way). */
  open: string[];
  /** The newest head's time (finished, else started; ISO), '' when no repo has a commit on the branch. */
  updated: string;
}

export interface DeleteResult {
  /** Branches deleted: repo, branch, the head they pointed at ('' for none). */
  branches: { repo: string; branch: string; head: string }[];
  /** Pipelines whose version for the branch was dropped. */
  pipelines: { name: string; version: number }[];
}

interface Member {
  repo: string;
  base: string;
  pipeline?: PipelineRecord;
}

export class Experiments {
  constructor(private readonly ctx: PpsContext, private readonly jobs: Jobs) {}

  /** Per repo of the DAG with branch `branch`: what changed against its main-line branch. */
  async diff(branch: string): Promise<ExperimentRepo[]> {
    const members = await this.members(branch);
    const out: ExperimentRepo[] = [];
    for (const m of members) {
      const head = await this.head(m.repo, branch, 'read');
      const baseHead = await this.head(m.repo, m.base, 'read');
      const row: ExperimentRepo = { repo: m.repo, branch, base: m.base, head: head?.id ?? '', baseHead: baseHead?.id ?? '', added: 0, modified: 0, deleted: 0, bytesAdded: 0, bytesModified: 0, bytesDeleted: 0 };
      if (m.pipeline) row.pipeline = { version: (await this.jobs.versionFor(m.pipeline, branch)).version, baseVersion: m.pipeline.version };
      if (head && !baseHead) {
        // Nothing on the main line yet: every file of the experiment is added.
        for await (const f of this.ctx.deps.tree.scan(head.tree)) (row.added++, (row.bytesAdded += f.size));
      } else if (head && baseHead && head.id !== baseHead.id) {
        for await (const d of this.ctx.pfs.files.diff(`${m.repo}@${head.id}`, `${m.repo}@${baseHead.id}`)) {
          if (d.change === 'added') (row.added++, (row.bytesAdded += d.sizeBytes));
          else if (d.change === 'deleted') (row.deleted++, (row.bytesDeleted += d.oldSizeBytes));
          else (row.modified++, (row.bytesModified += d.sizeBytes));
        }
      }
      out.push(row);
    }
    return out;
  }

  /**
   * Makes `branch` the main line: every main-line branch moves to the experiment's head (which
   * must descend from it), then the branch's pipeline versions become the main line's. Checks
   * everything first; on any refusal nothing changes. Running it again after an interruption
   * finishes the job (moved branches are already fast-forwarded).
   */
  async promote(branch: string): Promise<PromoteResult> {
    const members = await this.members(branch);
    const open: string[] = [];
    const diverged: string[] = [];
    const moves: { repo: string; branch: string; from: string; to: string }[] = [];
    for (const m of members) {
      const head = await this.head(m.repo, branch, 'head');
      if (!head) continue;
      if (!head.finished) {
        open.push(`${m.repo}@${branch}`);
        continue;
      }
      const base = await this.head(m.repo, m.base, 'head');
      if (base?.id === head.id) continue;
      if (base && !(await this.descends(m.repo, head, base.id))) diverged.push(`${m.repo} (${m.base} is at ${base.id}, ${branch} at ${head.id})`);
      else moves.push({ repo: m.repo, branch: m.base, from: base?.id ?? '', to: head.id });
    }
    if (open.length > 0) throw new ExperimentRunning(branch, open);
    if (diverged.length > 0) throw new NotFastForward(branch, diverged);
    for (const mv of moves) await this.ctx.pfs.branches.create(mv.repo, mv.branch, `${mv.repo}@${mv.to}`);
    const promoted: PromoteResult['pipelines'] = [];
    for (const p of await this.ctx.store.listPipelines()) {
      const own = p.branches?.[branch];
      if (!own) continue;
      const spec = await this.ctx.store.getVersion(p.name, own.version);
      if (!spec) continue;
      const { [branch]: _gone, ...rest } = p.branches!;
      const next: PipelineRecord = { ...p, version: own.version, spec: { ...spec, outputBranch: p.spec.outputBranch }, branches: rest, updated: this.ctx.now() };
      await this.ctx.store.apply([this.ctx.store.pipelines.putOp(p.name, next), this.ctx.store.putVersionOp(p.name, own.version, next.spec)]);
      promoted.push({ name: p.name, from: p.version, to: own.version });
      this.ctx.deps.log('info', 'pipeline_promoted', { pipeline: p.name, branch, version: own.version });
    }
    return { moved: moves, pipelines: promoted };
  }

  /**
   * Every experiment: each branch name that some repo of the DAG has without a pipeline reading it
   * there (or writing it: an output branch), or that some pipeline has a version for. A branch a
   * trigger moves another branch from (a staging branch) is not one.
   */
  async list(): Promise<ExperimentSummary[]> {
    const pipelines = await this.ctx.store.listPipelines();
    const mainLine = new Map<string, Set<string>>(); // repo -> branches the DAG reads or writes on the main line
    const add = (repo: string, branch: string) => (mainLine.get(repo) ?? mainLine.set(repo, new Set()).get(repo)!).add(branch);
    for (const p of pipelines) {
      add(p.name, p.spec.outputBranch);
      for (const i of inputRepos(p.spec)) add(i.repo, i.branch);
    }
    const names = new Set<string>(pipelines.flatMap((p) => Object.keys(p.branches ?? {})));
    for (const [repo, main] of mainLine) {
      const branches = await this.ctx.pfs.branches.list(repo).catch((err: unknown) => {
        if (err instanceof RepoNotFound) return [];
        throw err;
      });
      const staging = new Set(branches.flatMap((b) => (b.trigger ? [b.trigger.branch] : [])));
      for (const b of branches) if (!main.has(b.name) && !staging.has(b.name)) names.add(b.name);
    }
    const out: ExperimentSummary[] = [];
    for (const branch of [...names].sort()) {
      const members = await this.members(branch).catch((err: unknown) => {
        if (err instanceof ExperimentNotFound) return [];
        throw err;
      });
      const row: ExperimentSummary = { branch, repos: members.map((m) => m.repo), pipelines: [], open: [], updated: '' };
      for (const p of pipelines) {
        const own = p.branches?.[branch];
        if (own) row.pipelines.push({ name: p.name, version: own.version });
      }
      const heads = await this.headsOn(members, branch);
      row.open = openOf(heads, branch);
      for (const head of heads.values()) {
        const at = head.finished || head.started;
        if (at > row.updated) row.updated = at;
      }
      if (row.repos.length > 0 || row.pipelines.length > 0) out.push(row);
    }
    return out;
  }

  /**
   * Discards an experiment: deletes `branch` in every repo of the DAG that has it (the inputs'
   * first, so nothing new starts, then the outputs') and drops the pipelines' versions for it.
   * The commits stay, as after `delete branch`. Refused, with nothing changed, while the
   * experiment has open commits. Running it again after an interruption finishes the job.
   */
  async delete(branch: string): Promise<DeleteResult> {
    const members = await this.members(branch);
    const heads = await this.headsOn(members, branch);
    const open = openOf(heads, branch);
    if (open.length > 0) throw new ExperimentRunning(branch, open, 'delete');
    const deleted: DeleteResult['branches'] = [];
    for (const m of [...members.filter((m) => !m.pipeline), ...members.filter((m) => m.pipeline)]) {
      await this.ctx.pfs.branches.delete(m.repo, branch);
      deleted.push({ repo: m.repo, branch, head: heads.get(m.repo)?.id ?? '' });
    }
    const dropped: DeleteResult['pipelines'] = [];
    for (const p of await this.ctx.store.listPipelines()) {
      const own = p.branches?.[branch];
      if (!own) continue;
      const { [branch]: _gone, ...rest } = p.branches!;
      await this.ctx.store.apply([this.ctx.store.pipelines.putOp(p.name, { ...p, branches: rest, updated: this.ctx.now() })]);
      dropped.push({ name: p.name, version: own.version });
    }
    this.ctx.deps.log('info', 'experiment_deleted', { branch, repos: deleted.map((d) => d.repo), pipelines: dropped.map((d) => d.name) });
    return { branches: deleted, pipelines: dropped };
  }

  /** The repos of the DAG that have `branch`, each with its main-line branch. */
  private async members(branch: string): Promise<Member[]> {
    const pipelines = await this.ctx.store.listPipelines();
    const outputs = new Map(pipelines.map((p) => [p.name, p]));
    const readAt = new Map<string, Set<string>>();
    for (const p of pipelines) {
      for (const spec of [p.spec, (await this.jobs.versionFor(p, branch)).spec]) {
        for (const i of inputRepos(spec)) {
          if (!readAt.has(i.repo)) readAt.set(i.repo, new Set());
          readAt.get(i.repo)!.add(i.branch);
        }
      }
    }
    const repos = [...new Set([...readAt.keys(), ...outputs.keys()])].sort();
    const out: Member[] = [];
    for (const repo of repos) {
      const pipeline = outputs.get(repo);
      const base = pipeline ? pipeline.spec.outputBranch : mainBranch(readAt.get(repo)!);
      if (base === branch) continue;
      if (!(await this.ctx.pfs.branches.find(repo, branch))) continue;
      out.push({ repo, base, ...(pipeline ? { pipeline } : {}) });
    }
    if (out.length === 0 && !pipelines.some((p) => p.branches?.[branch])) throw new ExperimentNotFound(branch);
    return out;
  }

  /** Each member's newest commit on `branch`, open or finished, by repo; members without one are left out. */
  private async headsOn(members: readonly Member[], branch: string): Promise<Map<string, CommitRecord>> {
    const heads = new Map<string, CommitRecord>();
    for (const m of members) {
      const head = await this.head(m.repo, branch, 'head');
      if (head) heads.set(m.repo, head);
    }
    return heads;
  }

  private async head(repo: string, branch: string, mode: 'head' | 'read'): Promise<CommitRecord | undefined> {
    return this.ctx.pfs.commits.resolve({ repo, name: branch, isId: false, ancestors: 0 }, mode).catch((err: unknown) => {
      if (err instanceof CommitNotFound || err instanceof BranchNotFound) return undefined;
      throw err;
    });
  }

  /** True when `ancestor` is `commit` or one of its ancestors. */
  private async descends(repo: string, commit: CommitRecord, ancestor: string): Promise<boolean> {
    let c: CommitRecord | undefined = commit;
    while (c) {
      if (c.id === ancestor) return true;
      c = c.parentId ? await this.ctx.pfs.commits.find(repo, c.parentId) : undefined;
    }
    return false;
  }
}

/** `repo@branch` of each head still open (a job or a `start commit` under way). */
function openOf(heads: ReadonlyMap<string, CommitRecord>, branch: string): string[] {
  return [...heads].filter(([, head]) => !head.finished).map(([repo]) => `${repo}@${branch}`);
}

/** The main-line branch of an input repo: master if some pipeline reads it there, else the first in order. */
function mainBranch(readAt: Set<string>): string {
  return readAt.has('master') ? 'master' : [...readAt].sort()[0]!;
}
