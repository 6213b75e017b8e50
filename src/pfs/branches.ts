// Branches: movable pointers to commits. Creating or moving one writes one
// metadata record, whatever the size of the data (O(1)). A branch may carry a
// trigger (it then follows another branch of its repo when the trigger's
// conditions hold: triggers.ts, trigger-scheduler.ts); moving a branch to a
// finished commit is announced through PfsContext.branchMoved.
import { BranchNotFound, InUse, InvalidArgument } from '../errors/index.js';
import { ChangeSet } from './change-set.js';
import { checkBranchName } from './names.js';
import type { PfsContext } from './context.js';
import type { BranchRecord, TriggerRecord } from './records.js';
import type { TriggerScheduler } from './trigger-scheduler.js';

export class Branches {
  constructor(private readonly ctx: PfsContext, private readonly triggers: TriggerScheduler) {}

  /**
   * Creates `repo@name` pointing at `head` (a ref; none: an empty branch).
   * An existing branch is moved when `head` is given; without it, BranchExists
   * (unless a trigger is given: that sets or replaces the branch's trigger).
   * A trigger is checked first (InvalidTrigger, TriggerCycle: nothing changes)
   * and evaluated at once, so a branch whose conditions already hold moves now.
   * `removeTrigger` drops the branch's trigger (it then stays where it is).
   */
  async create(repo: string, name: string, head?: string, trigger?: TriggerRecord, removeTrigger = false): Promise<BranchRecord> {
    if (trigger && removeTrigger) throw new InvalidArgument('TriggerConflict', `branch "${name}": give a trigger or remove it, not both`, { branch: name });
    checkBranchName(name);
    return this.ctx.locks.run(`repo:${repo}`, async () => {
      const checked = trigger ? await this.triggers.checkLocked(repo, name, trigger) : undefined;
      const change = new ChangeSet(this.ctx, (r, b) => this.triggers.afterNewHeadLocked(r, b));
      const record = await change.createBranch(repo, name, head, checked, removeTrigger);
      await change.apply();
      if (removeTrigger) this.triggers.disarm(repo, name);
      if (checked) await this.triggers.evaluateLocked(repo, name);
      return (await this.ctx.meta.getBranch(repo, name)) ?? record;
    });
  }

  /** The branch, or undefined when the repo or the branch does not exist. */
  find(repo: string, name: string): Promise<BranchRecord | undefined> {
    return this.ctx.meta.getBranch(repo, name);
  }

  async inspect(repo: string, name: string): Promise<BranchRecord> {
    await this.ctx.requireRepo(repo);
    const branch = await this.ctx.meta.getBranch(repo, name);
    if (!branch) throw new BranchNotFound(repo, name);
    return branch;
  }

  async list(repo: string): Promise<BranchRecord[]> {
    await this.ctx.requireRepo(repo);
    return this.ctx.meta.listBranches(repo);
  }

  /** Deletes a branch; InUse if a pipeline reads it or another branch's trigger does (unless `force`). */
  async delete(repo: string, name: string, force = false): Promise<void> {
    await this.inspect(repo, name);
    if (!force) {
      const users = this.ctx.deps.usage ? await this.ctx.deps.usage.branchUsers(repo, name) : [];
      for (const b of await this.ctx.meta.listBranches(repo)) if (b.trigger?.branch === name) users.push(`the trigger of branch "${b.name}"`);
      if (users.length > 0) throw new InUse(`branch "${repo}@${name}"`, users);
    }
    await this.ctx.locks.run(`repo:${repo}`, () => this.ctx.meta.write([{ delBranch: { repo, name } }], true));
    this.triggers.disarm(repo, name);
  }
}
