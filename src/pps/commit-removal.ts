// `delete commit` and `squash commit` across the DAG. A commit that output
// commits were computed from (its subvenance, transitively) is refused unless
// `recursive`: then those dependants are deleted (or squashed) with it, and
// the jobs that made them go too, running ones stopped first, so no job is
// left pointing at a commit that is gone. A commit of a pipeline's output
// repo is written by its pipeline only: removing one alone needs `force`.
// PFS decides and applies the commit side (src/pfs/history*.ts); a dry run
// returns the same answer without changing anything.
import { CommitHasDependants } from '../errors/index.js';
import { commitName, OutputBranch, parseRef, type CommitKey, type CommitRecord, type RemovalPlan, type RemovalRequest } from '../pfs/index.js';
import type { Jobs } from './jobs.js';
import { FINAL_STATES } from './job-runner.js';
import type { PpsContext } from './pps-context.js';
import type { JobRecord } from './records.js';

export type RemovalAction = 'delete' | 'squash';

export interface RemovalOptions {
  /** Remove the output commits computed from the commit too (and their jobs). */
  recursive?: boolean;
  /** Say what would happen, change nothing. */
  dryRun?: boolean;
  /** Allow removing a commit of a pipeline's output repo by itself. */
  force?: boolean;
}

export interface RemovalResult {
  action: RemovalAction;
  dryRun: boolean;
  commits: { repo: string; id: string; branch: string; action: 'deleted' | 'squashed' }[];
  jobs: { pipeline: string; id: string; state: string }[];
  branches: { repo: string; name: string; head: string }[];
}

export class CommitRemoval {
  constructor(private readonly ctx: PpsContext, private readonly jobs: Jobs) {}

  /**
   * Deletes or squashes the commit `ref` names (REPO@ID, or REPO@BRANCH for its head).
   * Throws RepoNotFound, BranchNotFound, CommitNotFound, OutputBranch (an output commit without
   * force), CommitHasDependants (without recursive), CommitHasChildren, CommitNotRemovable.
   */
  async remove(action: RemovalAction, ref: string, options: RemovalOptions = {}): Promise<RemovalResult> {
    const target = await this.ctx.pfs.commits.resolve(parseRef(ref), 'head');
    const pipeline = await this.ctx.store.getPipeline(target.repo);
    if (pipeline && !options.force) throw new OutputBranch(pipeline.name, target.repo, target.branch);
    const dependants = await this.dependants(target);
    if (dependants.length > 0 && !options.recursive) throw new CommitHasDependants(commitName(target), dependants.map(commitName), action);
    const keys: CommitKey[] = [{ repo: target.repo, id: target.id }, ...dependants];
    const request: RemovalRequest = action === 'delete' ? { deletes: keys, squashes: [] } : { deletes: [], squashes: keys };
    const jobs = await this.jobsOf(keys);
    if (options.dryRun) return result(action, true, await this.ctx.pfs.history.plan(request), jobs);

    await this.ctx.pfs.history.plan(request); // refused here, before any job is stopped
    for (const job of jobs) if (!FINAL_STATES.has(job.state)) this.jobs.discard(job.pipeline, job.id);
    const plan = await this.ctx.pfs.history.remove(request);
    const ops = [];
    for (const { commit } of plan.removed) ops.push(...(await this.ctx.store.forgetCommitOps(commit)));
    for (const job of jobs) ops.push(...(await this.ctx.store.deleteJobOps(job)));
    await this.ctx.store.apply(ops);
    for (const job of jobs) this.jobs.forget(job.pipeline, job.id);
    this.ctx.deps.log('info', action === 'delete' ? 'commit_deleted' : 'commit_squashed', {
      commit: commitName(target),
      removed: plan.removed.map(({ commit }) => commitName(commit)),
      jobs: jobs.map((j) => `${j.pipeline}@${j.id}`),
      moved: plan.moved.map((b) => `${b.repo}@${b.name}`),
    });
    return result(action, false, plan, jobs);
  }

  /** Every commit computed from `commit`, transitively, nearest first (those whose record is gone are skipped). */
  private async dependants(commit: CommitRecord): Promise<CommitKey[]> {
    const seen = new Set([commitName(commit)]);
    const out: CommitKey[] = [];
    const frontier: CommitKey[] = [commit];
    while (frontier.length > 0) {
      const at = frontier.shift()!;
      for (const down of await this.ctx.store.subvenance(at.repo, at.id)) {
        if (seen.has(commitName(down))) continue;
        seen.add(commitName(down));
        if (!(await this.ctx.pfs.commits.find(down.repo, down.id))) continue;
        out.push(down);
        frontier.push(down);
      }
    }
    return out;
  }

  /** The jobs whose output commits these are. */
  private async jobsOf(keys: CommitKey[]): Promise<JobRecord[]> {
    const jobs: JobRecord[] = [];
    for (const k of keys) {
      const job = await this.ctx.store.getJob(k.repo, k.id);
      if (job) jobs.push(await this.jobs.get(job.pipeline, job.id));
    }
    return jobs;
  }
}

function result(action: RemovalAction, dryRun: boolean, plan: RemovalPlan, jobs: JobRecord[]): RemovalResult {
  return {
    action,
    dryRun,
    commits: plan.removed.map(({ commit, action: a }) => ({ repo: commit.repo, id: commit.id, branch: commit.branch, action: a })),
    jobs: jobs.map((j) => ({ pipeline: j.pipeline, id: j.id, state: j.state })),
    branches: plan.moved.map((b) => ({ repo: b.repo, name: b.name, head: b.head })),
  };
}
