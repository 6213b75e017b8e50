// Repos: create, inspect, list, delete. A repo's size is the size of its
// master branch's last finished commit, as in Pachyderm.
import { InUse, RepoNotFound } from '../errors/index.js';
import { ChangeSet } from './change-set.js';
import { checkRepoName } from './names.js';
import type { PfsContext } from './context.js';
import type { RepoRecord } from './records.js';

export interface RepoInfo extends RepoRecord {
  sizeBytes: number;
  branches: string[];
}

export class Repos {
  constructor(private readonly ctx: PfsContext) {}

  async create(name: string, description = '', update = false): Promise<RepoInfo> {
    checkRepoName(name);
    return this.ctx.locks.run(`repo:${name}`, async () => {
      const change = new ChangeSet(this.ctx);
      const record = await change.createRepo(name, description, update);
      await change.apply();
      return this.info(record);
    });
  }

  /** The repo's record, or undefined when there is none. */
  find(name: string): Promise<RepoRecord | undefined> {
    return this.ctx.meta.getRepo(name);
  }

  /** Every repo's record, by name, without the sizes list() adds. */
  records(): Promise<RepoRecord[]> {
    return this.ctx.meta.listRepos();
  }

  async get(name: string): Promise<RepoRecord> {
    const repo = await this.ctx.meta.getRepo(name);
    if (!repo) throw new RepoNotFound(name);
    return repo;
  }

  async inspect(name: string): Promise<RepoInfo> {
    return this.info(await this.get(name));
  }

  async list(): Promise<RepoInfo[]> {
    const repos = await this.ctx.meta.listRepos();
    return Promise.all(repos.map((r) => this.info(r)));
  }

  async delete(name: string, force = false): Promise<void> {
    await this.get(name);
    if (!force && this.ctx.deps.usage) {
      const users = await this.ctx.deps.usage.repoUsers(name);
      if (users.length > 0) throw new InUse(`repo "${name}"`, users);
    }
    await this.ctx.locks.run(`repo:${name}`, async () => {
      const meta = this.ctx.meta;
      const ops = [];
      for (const b of await meta.listBranches(name)) ops.push({ delBranch: { repo: name, name: b.name } });
      for await (const c of meta.listCommits(name)) ops.push({ delCommit: c });
      ops.push({ delRepo: name });
      await meta.write(ops, true);
    });
  }

  private async info(repo: RepoRecord): Promise<RepoInfo> {
    const branches = await this.ctx.meta.listBranches(repo.name);
    let sizeBytes = 0;
    const master = branches.find((b) => b.name === 'master');
    let id = master?.head ?? '';
    while (id) {
      const c = await this.ctx.meta.getCommit(repo.name, id);
      if (!c) break;
      if (c.finished) {
        sizeBytes = c.sizeBytes;
        break;
      }
      id = c.parentId ?? '';
    }
    return { ...repo, sizeBytes, branches: branches.map((b) => b.name) };
  }
}
