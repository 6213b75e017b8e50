// Branches: movable pointers to commits. Creating or moving one writes one
// metadata record, whatever the size of the data (O(1)).
import { BranchExists, BranchNotFound, InUse, InvalidRef } from '../errors/index.js';
import { checkBranchName } from './names.js';
import type { Commits } from './commits.js';
import type { PfsContext } from './context.js';
import type { BranchRecord, TriggerRecord } from './records.js';

export class Branches {
  constructor(private readonly ctx: PfsContext, private readonly commits: Commits) {}

  /**
   * Creates `repo@name` pointing at `head` (a ref; none: an empty branch).
   * An existing branch is moved when `head` is given; without it, BranchExists.
   */
  async create(repo: string, name: string, head?: string, trigger?: TriggerRecord): Promise<BranchRecord> {
    checkBranchName(name);
    const target = head ? await this.commits.resolve(head, 'head') : undefined;
    if (target && target.repo !== repo) throw new InvalidRef(head!, `the head must be a commit of repo "${repo}", not "${target.repo}"`);
    await this.ctx.requireRepo(repo);
    return this.ctx.locks.run(`repo:${repo}`, async () => {
      const existing = await this.ctx.meta.getBranch(repo, name);
      if (existing && !target && !trigger) throw new BranchExists(repo, name);
      const record: BranchRecord = { repo, name, head: target?.id ?? existing?.head ?? '', ...(trigger ? { trigger } : existing?.trigger ? { trigger: existing.trigger } : {}) };
      await this.ctx.meta.write([{ putBranch: record }], true);
      return record;
    });
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

  async delete(repo: string, name: string, force = false): Promise<void> {
    await this.inspect(repo, name);
    if (!force && this.ctx.deps.usage) {
      const users = await this.ctx.deps.usage.branchUsers(repo, name);
      if (users.length > 0) throw new InUse(`branch "${repo}@${name}"`, users);
    }
    await this.ctx.locks.run(`repo:${repo}`, () => this.ctx.meta.write([{ delBranch: { repo, name } }], true));
  }
}
