// History removal in PFS: `delete commit` and `squash commit` as decided by
// history-plan.ts, applied in one atomic metadata write under the locks of
// every repo involved. Content is never touched here: what no commit reaches
// any more is the garbage collector's to free. Whoever waits for a removed
// commit to finish learns it is gone (CommitNotFound).
import type { PfsContext } from './context.js';
import { planRemoval, type RemovalFacts, type RemovalPlan, type RemovalRequest } from './history-plan.js';
import type { WriteOp } from './metadata.js';
import type { CommitRecord } from './records.js';

export class History {
  constructor(private readonly ctx: PfsContext) {}

  /** What `request` would do, changing nothing. Throws RepoNotFound and what planRemoval throws. */
  async plan(request: RemovalRequest): Promise<RemovalPlan> {
    return planRemoval(request, await this.facts(request));
  }

  /** Removes the commits (atomically, under every involved repo's lock) and returns what it did. Throws as plan(). */
  async remove(request: RemovalRequest): Promise<RemovalPlan> {
    const repos = [...reposOf(request)].sort();
    const locked = async (i: number): Promise<RemovalPlan> => {
      if (i < repos.length) return this.ctx.locks.run(`repo:${repos[i]}`, () => locked(i + 1));
      const plan = planRemoval(request, await this.facts(request));
      const ops: WriteOp[] = [
        ...plan.removed.map(({ commit }) => ({ delCommit: commit })),
        ...plan.reparented.map((c) => ({ putCommit: c })),
        ...plan.moved.map((b) => ({ putBranch: b })),
      ];
      await this.ctx.meta.write(ops, true);
      return plan;
    };
    const plan = await locked(0);
    for (const { commit } of plan.removed) this.ctx.events.emit(`removed:${commit.repo}/${commit.id}`, commit);
    return plan;
  }

  private async facts(request: RemovalRequest): Promise<RemovalFacts> {
    const commits = new Map<string, CommitRecord[]>();
    const branches = new Map<string, Awaited<ReturnType<PfsContext['meta']['listBranches']>>>();
    for (const repo of reposOf(request)) {
      await this.ctx.requireRepo(repo);
      const all: CommitRecord[] = [];
      for await (const c of this.ctx.meta.listCommits(repo)) all.push(c);
      commits.set(repo, all);
      branches.set(repo, await this.ctx.meta.listBranches(repo));
    }
    return { commits, branches };
  }
}

function reposOf(request: RemovalRequest): Set<string> {
  return new Set([...request.deletes, ...request.squashes].map((k) => k.repo));
}
