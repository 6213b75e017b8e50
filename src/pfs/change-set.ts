// A change set: PFS writes (repos, branches, commits started and finished)
// planned against the state they will see, each one reading what the ones
// before it staged, then written in ONE metadata batch (with any records the
// caller adds: a pipeline's, a transaction's) and only then followed by what
// they set off: finish hooks, branch-move hooks, trigger evaluation, waiters.
// A plan that throws writes nothing and sets off nothing. The direct calls
// (create repo, create branch, start/finish commit) are a change set of one
// write; a transaction is a change set of many (`Pfs.atomically`).
// Planning reads the metadata store and, to finish a commit, its tree's
// stats; it writes nothing.
import { BranchExists, BranchHasOpenCommit, CommitExists, CommitFinished, CommitNotFound, InternalError, InvalidRef, RepoExists } from '../errors/index.js';
import type { MetadataOp } from '../storage/metadata-store.js';
import { EMPTY_TREE } from '../tree/index.js';
import type { StartOptions } from './commits.js';
import { resolveIn, type MetadataView, type ResolveMode } from './resolve.js';
import type { BranchMove, PfsContext } from './context.js';
import { checkBranchName, checkRepoName, commitIdFrom } from './names.js';
import type { WriteOp } from './metadata.js';
import { parseRef } from './ref.js';
import type { BranchRecord, CommitRecord, RepoRecord, TriggerRecord } from './records.js';
import { checkWritable } from './write-guard.js';

/** What a change set sets off once written, in the order it was planned. */
export type PfsEffect = { kind: 'finished'; commit: CommitRecord } | { kind: 'moved'; move: BranchMove };

export class ChangeSet implements MetadataView {
  /** The planned writes, in order. */
  readonly writes: WriteOp[] = [];
  /** What the writes set off, in order. */
  readonly effects: PfsEffect[] = [];
  private readonly repos = new Map<string, RepoRecord>();
  private readonly branches = new Map<string, BranchRecord>();
  private readonly commits = new Map<string, CommitRecord>();

  /**
   * `afterMove` evaluates the triggers reading a moved branch (the trigger scheduler's);
   * with `locked`, a write to any other repo is a bug (the caller holds those repos' locks only).
   */
  constructor(
    private readonly ctx: PfsContext,
    private readonly afterMove: (repo: string, branch: string) => Promise<void> = async () => {},
    private readonly locked?: ReadonlySet<string>,
  ) {}

  async getRepo(name: string): Promise<RepoRecord | undefined> {
    return this.repos.get(name) ?? this.ctx.meta.getRepo(name);
  }

  async getBranch(repo: string, name: string): Promise<BranchRecord | undefined> {
    return this.branches.get(`${repo}/${name}`) ?? this.ctx.meta.getBranch(repo, name);
  }

  async getCommit(repo: string, id: string): Promise<CommitRecord | undefined> {
    return this.commits.get(`${repo}/${id}`) ?? this.ctx.meta.getCommit(repo, id);
  }

  /** The commit `ref` names, as the staged writes leave it. Throws what Commits.resolve throws. */
  resolve(ref: string, mode: ResolveMode = 'head'): Promise<CommitRecord> {
    return resolveIn(this, parseRef(ref), mode);
  }

  /** Creates a repo (or, with `update`, changes its description). Throws InvalidArgument and RepoExists. */
  async createRepo(name: string, description = '', update = false): Promise<RepoRecord> {
    checkRepoName(name);
    const existing = await this.getRepo(name);
    if (existing && !update) throw new RepoExists(name);
    const record: RepoRecord = existing ? { ...existing, description } : { name, description, created: this.ctx.now() };
    this.stage(name, { putRepo: record });
    this.repos.set(name, record);
    return record;
  }

  /**
   * Creates `repo@name` at `head` (a ref; none: empty), or moves it there when it exists. With
   * `trigger` (checked by the caller), sets the branch's trigger; `removeTrigger` drops it.
   * Throws InvalidArgument, RepoNotFound, BranchExists, InvalidRef, BranchNotFound, CommitNotFound.
   */
  async createBranch(repo: string, name: string, head?: string, trigger?: TriggerRecord, removeTrigger = false): Promise<BranchRecord> {
    checkBranchName(name);
    const target = head ? await this.resolve(head, 'head') : undefined;
    if (target && target.repo !== repo) throw new InvalidRef(head!, `the head must be a commit of repo "${repo}", not "${target.repo}"`);
    await this.requireRepo(repo);
    const existing = await this.getBranch(repo, name);
    if (existing && !target && !trigger && !removeTrigger) throw new BranchExists(repo, name);
    const record: BranchRecord = { repo, name, head: target?.id ?? existing?.head ?? '' };
    if (trigger) Object.assign(record, { trigger, triggeredAt: this.ctx.now() });
    else if (existing?.trigger && !removeTrigger) Object.assign(record, { trigger: existing.trigger, ...(existing.triggeredAt && { triggeredAt: existing.triggeredAt }) });
    this.putBranch(record);
    if (target?.finished && target.id !== existing?.head) {
      this.effects.push({ kind: 'moved', move: { repo, branch: name, from: existing?.head ?? '', to: target, cause: 'user' } });
    }
    return record;
  }

  /**
   * Opens a commit on `repo@branch` (creating the branch), as Commits.start plans it; with
   * `finishedTree`, already finished. Throws InvalidArgument, RepoNotFound, BranchHasOpenCommit,
   * CommitNotFound (parentId) and CommitExists (options.id taken).
   */
  async startCommit(repo: string, branch: string, options: StartOptions = {}): Promise<CommitRecord> {
    checkBranchName(branch);
    await this.requireRepo(repo);
    const existing = await this.getBranch(repo, branch);
    let parent: CommitRecord | undefined;
    if (existing?.head) {
      parent = await this.mustGet(repo, existing.head);
      if (!parent.finished && !options.allowOpenParent) throw new BranchHasOpenCommit(repo, branch, parent.id);
    }
    if (options.parentId !== undefined) parent = options.parentId ? await this.mustGet(repo, options.parentId) : undefined;
    if (options.id && (await this.getCommit(repo, options.id))) throw new CommitExists(repo, options.id);
    const commit: CommitRecord = {
      id: options.id ?? commitIdFrom(this.ctx.deps.random(16)),
      repo,
      branch,
      parentId: parent?.id ?? null,
      origin: options.origin ?? 'user',
      started: this.ctx.now(),
      finished: null,
      description: options.description ?? '',
      provenance: options.provenance ?? [],
      tree: parent?.tree ?? EMPTY_TREE,
      sizeBytes: parent?.sizeBytes ?? 0,
      fileCount: parent?.fileCount ?? 0,
      seq: this.ctx.meta.nextSeq(),
    };
    if (options.finishedTree !== undefined) {
      await this.ctx.deps.content.blobs.flush();
      const stats = await this.ctx.deps.tree.stats(options.finishedTree);
      Object.assign(commit, { tree: options.finishedTree, finished: this.ctx.now(), sizeBytes: stats.bytes, fileCount: stats.files });
    }
    this.putCommit(commit);
    this.putBranch({ ...(existing ?? { repo, name: branch }), head: commit.id });
    if (commit.finished) this.effects.push({ kind: 'finished', commit });
    return commit;
  }

  /** A user's `start commit`: as startCommit, refused on a pipeline's output repo (OutputBranch). */
  async startUserCommit(repo: string, branch: string, options: { description?: string; id?: string } = {}): Promise<CommitRecord> {
    await checkWritable(this.ctx, repo, branch);
    return this.startCommit(repo, branch, options);
  }

  /** Finishes an open commit (`ref`: a branch or commit ID). Throws what resolve() throws, and CommitFinished. */
  async finishCommit(ref: string, description?: string): Promise<CommitRecord> {
    const target = await this.resolve(ref, 'head');
    return this.finishCommitById(target.repo, target.id, description);
  }

  /** Finishes the open commit `repo@id`: its tree's content is durable first. Throws CommitNotFound and CommitFinished. */
  async finishCommitById(repo: string, id: string, description?: string): Promise<CommitRecord> {
    const commit = await this.mustGet(repo, id);
    if (commit.finished) throw new CommitFinished(repo, id);
    await this.ctx.deps.content.blobs.flush();
    const stats = await this.ctx.deps.tree.stats(commit.tree);
    const done: CommitRecord = { ...commit, finished: this.ctx.now(), description: description ?? commit.description, sizeBytes: stats.bytes, fileCount: stats.files };
    this.putCommit(done);
    this.effects.push({ kind: 'finished', commit: done });
    return done;
  }

  /**
   * Writes the staged writes and `extra` in one batch (durable before it returns), then runs
   * what they set off. The caller holds the locks of the repos written.
   */
  async apply(extra: readonly MetadataOp[] = []): Promise<void> {
    await this.ctx.meta.write(this.writes, true, extra);
    for (const effect of this.effects) {
      if (effect.kind === 'finished') {
        await this.ctx.commitFinished(effect.commit);
      } else {
        await this.ctx.branchMoved(effect.move);
        await this.afterMove(effect.move.repo, effect.move.branch);
      }
    }
  }

  private async requireRepo(name: string): Promise<void> {
    if (!(await this.getRepo(name))) await this.ctx.requireRepo(name); // throws RepoNotFound
  }

  private async mustGet(repo: string, id: string): Promise<CommitRecord> {
    const commit = await this.getCommit(repo, id);
    if (!commit) throw new CommitNotFound(repo, id);
    return commit;
  }

  private putBranch(record: BranchRecord): void {
    this.stage(record.repo, { putBranch: record });
    this.branches.set(`${record.repo}/${record.name}`, record);
  }

  private putCommit(commit: CommitRecord): void {
    this.stage(commit.repo, { putCommit: commit });
    this.commits.set(`${commit.repo}/${commit.id}`, commit);
  }

  private stage(repo: string, write: WriteOp): void {
    if (this.locked && !this.locked.has(repo)) throw new InternalError(`a change set wrote to repo "${repo}" without holding its lock`);
    this.writes.push(write);
  }
}
