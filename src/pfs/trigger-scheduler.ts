// Branch triggers at work: when a commit on a branch finishes, or a branch
// moves, every branch of the repo whose trigger reads it is evaluated
// (triggers.ts decides) and moved to the source's last finished commit when
// its conditions hold; a move is announced through PfsContext.branchMoved
// (pipelines reading the branch start a job, as for a commit) and then
// evaluates the branches triggering on it in turn, so chains fire in order.
// Cron conditions get a timer for the moment they come due. Triggers live in
// the branch records, so start() after a restart re-arms the timers and fires
// every trigger that came due (or whose move was lost) while the daemon was
// down. Moves run under the repo's lock, like every branch write.
import type { Commits } from './commits.js';
import type { PfsContext } from './context.js';
import type { BranchRecord, CommitRecord, TriggerRecord } from './records.js';
import { checkNoCycle, checkTrigger, nextCronCheck, shouldMove } from './triggers.js';

/** The longest a Node timer can wait; a longer wait re-arms when it ends. */
const MAX_TIMER = 2 ** 31 - 1;
/** Chains longer than this stop (cycles are refused when triggers are set; this is a safety net). */
const MAX_CHAIN = 64;

export class TriggerScheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private unhook?: () => void;
  private started = false;

  constructor(private readonly ctx: PfsContext, private readonly commits: Commits) {}

  /**
   * Starts evaluating triggers when commits finish, fires every trigger whose
   * conditions hold now (catching up after a restart) and arms cron timers.
   * Call it after the layers that listen for branch moves have registered.
   */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.unhook = this.ctx.onFinish((commit) => this.afterNewHeadLocked(commit.repo, commit.branch));
    for (const repo of await this.ctx.meta.listRepos()) {
      await this.ctx.locks.run(`repo:${repo.name}`, async () => {
        for (const b of await this.ctx.meta.listBranches(repo.name)) if (b.trigger) await this.evaluateLocked(repo.name, b.name);
      });
    }
  }

  stop(): void {
    this.started = false;
    this.unhook?.();
    this.unhook = undefined;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  /**
   * Checks a trigger for `repo@branch` and returns it tidied. Throws
   * InvalidTrigger (a value that does not parse, a trigger on itself) or
   * TriggerCycle. The caller holds the repo's lock.
   */
  async checkLocked(repo: string, branch: string, trigger: TriggerRecord): Promise<TriggerRecord> {
    const checked = checkTrigger(branch, trigger);
    const sources = new Map<string, string>();
    for (const b of await this.ctx.meta.listBranches(repo)) if (b.trigger && b.name !== branch) sources.set(b.name, b.trigger.branch);
    checkNoCycle(repo, branch, checked.branch, sources);
    return checked;
  }

  /** `repo@branch` has a new head: evaluates the branches whose trigger reads it. The caller holds the repo's lock. */
  async afterNewHeadLocked(repo: string, branch: string, depth = 0): Promise<void> {
    if (depth >= MAX_CHAIN) return;
    if ((await this.ctx.meta.triggeredBranches(repo)).size === 0) return; // most repos: no branch to look at
    for (const b of await this.ctx.meta.listBranches(repo)) {
      if (b.trigger?.branch === branch) await this.evaluateLocked(repo, b.name, depth);
    }
  }

  /** Moves `repo@name` to its source's head if its trigger's conditions hold; re-arms its cron timer. The caller holds the repo's lock. */
  async evaluateLocked(repo: string, name: string, depth = 0): Promise<boolean> {
    const branch = await this.ctx.meta.getBranch(repo, name);
    const trigger = branch?.trigger;
    if (!branch || !trigger) return false;
    const source = await this.lastFinished(repo, trigger.branch);
    const head = branch.head ? await this.ctx.meta.getCommit(repo, branch.head) : undefined;
    const since = new Date(branch.triggeredAt ?? head?.finished ?? this.ctx.now());
    // An open commit on the triggered branch is someone's write in progress: the branch waits for it.
    if (!source || (head && !head.finished)) {
      this.arm(repo, branch, since);
      return false;
    }
    const newCommits = await this.countSince(repo, source, branch.head, Math.max(1, trigger.commits));
    const now = this.ctx.deps.clock();
    const move = shouldMove({ trigger, ...(head && { head }), source, newCommits, since, now });
    if (!move) {
      this.arm(repo, branch, since);
      return false;
    }
    const moved: BranchRecord = { ...branch, head: source.id, triggeredAt: now.toISOString() };
    await this.ctx.meta.write([{ putBranch: moved }], true);
    this.ctx.deps.log?.('info', 'branch_triggered', { repo, branch: name, source: trigger.branch, from: branch.head, to: source.id });
    this.arm(repo, moved, now);
    await this.ctx.branchMoved({ repo, branch: name, from: branch.head, to: source, cause: 'trigger' });
    await this.afterNewHeadLocked(repo, name, depth + 1);
    return true;
  }

  /** Forgets the timer of a deleted branch. */
  disarm(repo: string, name: string): void {
    const key = `${repo}/${name}`;
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
  }

  /** Sets a timer for the moment the branch's cron condition comes due (none if it has no cron condition or is due already). */
  private arm(repo: string, branch: BranchRecord, since: Date): void {
    this.disarm(repo, branch.name);
    if (!this.started || !branch.trigger) return;
    const due = nextCronCheck(branch.trigger, since);
    const wait = due ? due.getTime() - this.ctx.deps.clock().getTime() : 0;
    if (!due || wait <= 0) return; // due already: the next commit on the source decides
    const key = `${repo}/${branch.name}`;
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.ctx.locks
        .run(`repo:${repo}`, () => this.evaluateLocked(repo, branch.name))
        .catch((err) => this.ctx.deps.log?.('error', 'branch_trigger_failed', { repo, branch: branch.name, message: (err as Error).message }));
    }, Math.min(MAX_TIMER, wait + 1));
    timer.unref();
    this.timers.set(key, timer);
  }

  /** The branch's last finished commit, if any. */
  private async lastFinished(repo: string, name: string): Promise<CommitRecord | undefined> {
    const b = await this.ctx.meta.getBranch(repo, name);
    let c = b?.head ? await this.ctx.meta.getCommit(repo, b.head) : undefined;
    while (c && !c.finished) c = c.parentId ? await this.ctx.meta.getCommit(repo, c.parentId) : undefined;
    return c;
  }

  /** Commits from `from` back to (not including) `stop`, counting no further than `cap`. */
  private async countSince(repo: string, from: CommitRecord, stop: string, cap: number): Promise<number> {
    let n = 0;
    let c: CommitRecord | undefined = from;
    while (c && c.id !== stop && n < cap) {
      n++;
      c = c.parentId ? await this.commits.mustGet(repo, c.parentId) : undefined;
    }
    return n;
  }
}
