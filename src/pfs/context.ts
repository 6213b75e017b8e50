// The shared state of one PFS instance: its dependencies, per-repo locks and
// the waiters for commits to finish. Passed to each entity module.
import { EventEmitter } from 'node:events';
import { RepoNotFound } from '../errors/index.js';
import { KeyedMutex } from './keyed-mutex.js';
import type { PfsDeps } from './deps.js';
import type { CommitRecord, RepoRecord } from './records.js';

export class PfsContext {
  readonly locks = new KeyedMutex();
  readonly events = new EventEmitter();

  constructor(readonly deps: PfsDeps) {
    this.events.setMaxListeners(0);
  }

  get meta() {
    return this.deps.meta;
  }

  async requireRepo(name: string): Promise<RepoRecord> {
    const repo = await this.deps.meta.getRepo(name);
    if (!repo) throw new RepoNotFound(name);
    return repo;
  }

  now(): string {
    return this.deps.clock().toISOString();
  }

  /** Tells waiters and listeners (pipeline triggers) that a commit finished. */
  commitFinished(commit: CommitRecord): void {
    this.events.emit(`finished:${commit.repo}/${commit.id}`, commit);
    this.events.emit('commitFinished', commit);
  }
}
