// The shared state of one PFS instance: its dependencies, per-repo locks and
// the waiters for commits to finish. Passed to each entity module.
import { EventEmitter } from 'node:events';
import { RepoNotFound } from '../errors/index.js';
import { KeyedMutex } from './keyed-mutex.js';
import type { PfsDeps } from './deps.js';
import type { Metadata } from './metadata.js';
import type { CommitRecord, RepoRecord } from './records.js';

/** A branch pointed at another existing commit without a new commit on it: by its trigger, or by `create branch --head`. */
export interface BranchMove {
  repo: string;
  branch: string;
  /** The head before the move ('' for an empty branch). */
  from: string;
  /** The finished commit the branch points at now. */
  to: CommitRecord;
  cause: 'trigger' | 'user';
}

export class PfsContext {
  readonly locks = new KeyedMutex();
  readonly events = new EventEmitter();

  constructor(readonly deps: PfsDeps, readonly meta: Metadata) {
    this.events.setMaxListeners(0);
  }

  async requireRepo(name: string): Promise<RepoRecord> {
    const repo = await this.meta.getRepo(name);
    if (!repo) throw new RepoNotFound(name);
    return repo;
  }

  now(): string {
    return this.deps.clock().toISOString();
  }

  private readonly finishHooks: ((commit: CommitRecord) => Promise<void>)[] = [];

  /**
   * Registers work that must happen before a finish call returns (the pipeline
   * system opens the downstream commits of the set, so `wait commit` on them
   * works the moment `put file` returns). A hook's failure is logged by the hook.
   */
  onFinish(hook: (commit: CommitRecord) => Promise<void>): () => void {
    this.finishHooks.push(hook);
    return () => {
      const i = this.finishHooks.indexOf(hook);
      if (i >= 0) this.finishHooks.splice(i, 1);
    };
  }

  private readonly moveHooks: ((move: BranchMove) => Promise<void>)[] = [];

  /**
   * Registers work that must happen when a branch moves to an existing
   * commit, before the call that moved it returns (the pipeline system starts
   * the jobs of pipelines reading the branch, as for a new commit on it). The
   * hook runs while the repo's lock is held: it must not write to that repo
   * through the locking calls. A hook's failure is logged by the hook.
   */
  onBranchMoved(hook: (move: BranchMove) => Promise<void>): () => void {
    this.moveHooks.push(hook);
    return () => {
      const i = this.moveHooks.indexOf(hook);
      if (i >= 0) this.moveHooks.splice(i, 1);
    };
  }

  /** Runs the branch-move hooks, then emits `branchMoved`. */
  async branchMoved(move: BranchMove): Promise<void> {
    for (const hook of this.moveHooks) await hook(move);
    this.events.emit('branchMoved', move);
  }

  /** Runs the finish hooks, then tells waiters that a commit finished. */
  async commitFinished(commit: CommitRecord): Promise<void> {
    for (const hook of this.finishHooks) await hook(commit);
    this.events.emit(`finished:${commit.repo}/${commit.id}`, commit);
    this.events.emit('commitFinished', commit);
  }
}
