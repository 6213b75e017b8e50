// Commits: resolving refs, starting and finishing commits, listing, waiting,
// and commit sets (every commit that shares a global ID).
// A branch's head may be open; readers of a branch see its last finished
// commit (mode 'read'), writers and `inspect commit` see the head ('head').
import { checkWritable } from './write-guard.js';
import { BranchCommitter } from './commit-group.js';
import { CommitFinished, CommitNotFound } from '../errors/index.js';
import { ChangeSet } from './change-set.js';
import { resolveIn, type ResolveMode } from './resolve.js';
import { EMPTY_TREE } from '../tree/index.js';
import { checkBranchName, commitIdFrom } from './names.js';
import { parseRef, walksHistory, type Ref } from './ref.js';
import type { PfsContext } from './context.js';
import type { CommitRecord, CommitRefRecord, Origin } from './records.js';

export type { MetadataView, ResolveMode } from './resolve.js';

export interface StartOptions {
  description?: string;
  origin?: Origin;
  /** Use this global ID instead of a new one (downstream commits of a commit set). */
  id?: string;
  provenance?: CommitRefRecord[];
  /** Start from this commit's tree instead of the branch head's. */
  parentId?: string | null;
  /** A user's commit on a pipeline's output repo (refused otherwise: write-guard.ts). */
  force?: boolean;
  /** Let the new commit follow an open head (pipeline output commits queue up behind running jobs). */
  allowOpenParent?: boolean;
  /**
   * Create the commit already finished, holding this tree, in one durable
   * write (put file without an open commit): a crash never leaves behind an
   * open commit nobody opened.
   */
  finishedTree?: string;
}

export class Commits {
  /** Commits writes to a branch that arrive together as a group (commit-group.ts). */
  readonly group: BranchCommitter;

  constructor(private readonly ctx: PfsContext) {
    this.group = new BranchCommitter(ctx, this);
  }

  /** A fresh commit ID. */
  newId(): string {
    return commitIdFrom(this.ctx.deps.random(16));
  }

  /** The commit `ref` names. Throws RepoNotFound, BranchNotFound and CommitNotFound (resolve.ts). */
  resolve(ref: Ref | string, mode: ResolveMode = 'head'): Promise<CommitRecord> {
    return resolveIn(this.ctx.meta, typeof ref === 'string' ? parseRef(ref) : ref, mode);
  }

  /** The commit, or undefined when the repo or the commit does not exist. */
  find(repo: string, id: string): Promise<CommitRecord | undefined> {
    return this.ctx.meta.getCommit(repo, id);
  }

  async mustGet(repo: string, id: string): Promise<CommitRecord> {
    const commit = await this.ctx.meta.getCommit(repo, id);
    if (!commit) throw new CommitNotFound(repo, id);
    return commit;
  }

  /** Opens a commit on `repo@branch` (creating the branch if needed). The caller holds no lock. */
  async start(repo: string, branch: string, options: StartOptions = {}): Promise<CommitRecord> {
    checkBranchName(branch);
    if ((options.origin ?? 'user') === 'user') await checkWritable(this.ctx, repo, branch, options.force);
    return this.ctx.locks.run(`repo:${repo}`, () => this.startLocked(repo, branch, options));
  }

  /** As start(), for a caller that already holds the repo's lock: a change set of one commit (change-set.ts). */
  async startLocked(repo: string, branch: string, options: StartOptions = {}): Promise<CommitRecord> {
    const change = new ChangeSet(this.ctx);
    const commit = await change.startCommit(repo, branch, options);
    await change.apply();
    return commit;
  }

  /** Finishes an open commit: its tree and content are durable before this returns. */
  async finish(ref: string, description?: string): Promise<CommitRecord> {
    const target = await this.resolve(ref, 'head');
    return this.ctx.locks.run(`repo:${target.repo}`, () => this.finishLocked(target.repo, target.id, description));
  }

  async finishLocked(repo: string, id: string, description?: string): Promise<CommitRecord> {
    const change = new ChangeSet(this.ctx);
    const done = await change.finishCommitById(repo, id, description);
    await change.apply();
    return done;
  }

  /**
   * Sets an open commit's whole tree and finishes it (pipeline output commits).
   * Without a tree, the commit keeps the content of its last finished ancestor.
   */
  async finishWithTree(repo: string, id: string, tree?: string): Promise<CommitRecord> {
    return this.ctx.locks.run(`repo:${repo}`, async () => {
      const commit = await this.mustGet(repo, id);
      if (commit.finished) throw new CommitFinished(repo, id);
      let root = tree;
      if (root === undefined) {
        let parent = commit.parentId ? await this.mustGet(repo, commit.parentId) : undefined;
        while (parent && !parent.finished) parent = parent.parentId ? await this.mustGet(repo, parent.parentId) : undefined;
        root = parent?.tree ?? EMPTY_TREE;
      }
      await this.setTreeLocked(commit, root);
      return this.finishLocked(repo, id);
    });
  }

  /** Records a new tree for an open commit (after files were written). The caller holds the repo lock. */
  async setTreeLocked(commit: CommitRecord, tree: string): Promise<CommitRecord> {
    await this.ctx.deps.content.blobs.flush();
    const stats = await this.ctx.deps.tree.stats(tree);
    const updated = { ...commit, tree, sizeBytes: stats.bytes, fileCount: stats.files };
    await this.ctx.meta.write([{ putCommit: updated }], true);
    return updated;
  }

  /** Commits of a repo (of one branch: its history from the head), newest first. */
  async list(repo: string, branch?: string, limit = 0): Promise<CommitRecord[]> {
    const out: CommitRecord[] = [];
    if (branch) {
      // `branch` is any ref after the @ (a branch, an ID, master^2): its history from there, as `git log REF`.
      const ref = parseRef(`${repo}@${branch}`);
      const head = await this.resolve(ref, 'head').catch((err) => {
        if ((err as { code?: string }).code === 'CommitNotFound' && !walksHistory(ref)) return undefined; // an empty branch
        throw err;
      });
      let c = head;
      while (c && (limit <= 0 || out.length < limit)) {
        out.push(c);
        c = c.parentId ? await this.ctx.meta.getCommit(repo, c.parentId) : undefined;
      }
      return out;
    }
    await this.ctx.requireRepo(repo);
    for await (const c of this.ctx.meta.listCommits(repo)) {
      out.push(c);
      if (limit > 0 && out.length >= limit) break;
    }
    return out;
  }

  /** Waits until the commit `ref` names (the head, for a branch) is finished. */
  async wait(ref: string, signal?: AbortSignal): Promise<CommitRecord> {
    const commit = await this.resolve(ref, 'head');
    return this.waitFor(commit.repo, commit.id, signal);
  }

  /** Resolves once the commit is finished; rejects with CommitNotFound when it does not exist or is removed meanwhile. */
  async waitFor(repo: string, id: string, signal?: AbortSignal): Promise<CommitRecord> {
    const event = `finished:${repo}/${id}`;
    const removed = `removed:${repo}/${id}`;
    return new Promise<CommitRecord>((resolve, reject) => {
      const onDone = (c: CommitRecord) => {
        cleanup();
        resolve(c);
      };
      const onRemoved = () => {
        cleanup();
        reject(new CommitNotFound(repo, id, `commit ${repo}@${id} was deleted while waiting for it to finish`));
      };
      const onAbort = () => {
        cleanup();
        reject(signal?.reason ?? new Error('aborted'));
      };
      const cleanup = () => {
        this.ctx.events.off(event, onDone);
        this.ctx.events.off(removed, onRemoved);
        signal?.removeEventListener('abort', onAbort);
      };
      this.ctx.events.on(event, onDone);
      this.ctx.events.on(removed, onRemoved);
      signal?.addEventListener('abort', onAbort);
      // Check after subscribing, so a finish between resolve and subscribe is not missed.
      this.mustGet(repo, id).then((c) => c.finished && onDone(c), (err) => { cleanup(); reject(err); });
    });
  }

  /** Every commit with this global ID, one per repo. */
  async set(id: string): Promise<CommitRecord[]> {
    const repos = await this.ctx.meta.commitSet(id);
    const commits = await Promise.all(repos.map((repo) => this.ctx.meta.getCommit(repo, id)));
    const found = commits.filter((c): c is CommitRecord => c !== undefined);
    if (found.length === 0) throw new CommitNotFound('', id);
    return found;
  }
}
