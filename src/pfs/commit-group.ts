// Group commit: writes to a branch that arrive together (an S3 client putting
// ten objects at once, each its own commit) are committed together. Each still
// becomes its own commit, chained in arrival order, but the tree nodes of all
// of them are flushed once and their metadata is one synced write, so the
// fixed cost of making a commit durable is paid once per group instead of once
// per write. A write that fails (a delete of a missing file) fails alone.
// A write may leave the flush of its content to the group (flushContent): it
// runs beside the flush of the tree nodes, before the metadata write, and a
// failure of either fails the whole group (its commits are chained).
// Every commit of a group is durable before any of its callers hears back, and
// before any finish hook runs.
import type { TreeId } from '../tree/index.js';
import type { Commits } from './commits.js';
import type { PfsContext } from './context.js';
import type { CommitRecord } from './records.js';

export interface BranchWrite {
  /** The new tree, from the tree of the commit before this one. */
  apply(base: TreeId | undefined): Promise<TreeId>;
  description?: string;
  /** Makes the write's content durable, if the caller left that to the commit (it runs before the commit is recorded). */
  flushContent?(): Promise<void>;
  /** A commit is open on the branch: the write goes into it instead (the caller's usual path; it flushes its content itself). */
  intoOpen(head: CommitRecord): Promise<CommitRecord>;
}

interface Queued {
  write: BranchWrite;
  resolve(commit: CommitRecord): void;
  reject(err: unknown): void;
}

export class BranchCommitter {
  private readonly queues = new Map<string, Queued[]>();

  constructor(private readonly ctx: PfsContext, private readonly commits: Commits) {}

  /** Commits `write` on `repo@branch`, together with whatever writes to it are waiting. */
  submit(repo: string, branch: string, write: BranchWrite): Promise<CommitRecord> {
    const key = `${repo}\u0000${branch}`;
    return new Promise<CommitRecord>((resolve, reject) => {
      const queue = this.queues.get(key);
      if (queue) {
        queue.push({ write, resolve, reject });
        return;
      }
      this.queues.set(key, [{ write, resolve, reject }]);
      this.drain(repo, branch, key);
    });
  }

  /**
   * Commits what is queued for the branch under the repo's lock, one group per turn of the lock
   * (so other work on the repo is not starved by a steady stream of writes), until the queue is empty.
   */
  private drain(repo: string, branch: string, key: string): void {
    let group: Queued[] = [];
    this.ctx.locks
      .run(`repo:${repo}`, () => {
        // Everything that queued while the lock was busy joins this group.
        group = this.queues.get(key)!.splice(0);
        return this.commitGroupLocked(repo, branch, group);
      })
      .catch((err) => {
        for (const q of group) q.reject(err);
      })
      .finally(() => {
        if (this.queues.get(key)!.length > 0) this.drain(repo, branch, key);
        else this.queues.delete(key);
      });
  }

  private async commitGroupLocked(repo: string, branch: string, group: Queued[]): Promise<void> {
    const meta = this.ctx.meta;
    try {
      await this.ctx.requireRepo(repo);
      const existing = await meta.getBranch(repo, branch);
      const head = existing?.head ? await this.commits.mustGet(repo, existing.head) : undefined;
      if (head && !head.finished) {
        // Writes into an open commit are applied one by one, as they always were.
        for (const q of group) {
          const open = await this.commits.mustGet(repo, head.id);
          await q.write.intoOpen(open).then(q.resolve, q.reject);
        }
        return;
      }
      const made: { q: Queued; commit: CommitRecord }[] = [];
      let parent = head;
      for (const q of group) {
        let root: TreeId;
        try {
          root = await q.write.apply(parent?.tree);
        } catch (err) {
          q.reject(err);
          continue;
        }
        const commit: CommitRecord = {
          id: '',
          repo,
          branch,
          parentId: parent?.id ?? null,
          origin: 'user',
          started: this.ctx.now(),
          finished: null,
          description: q.write.description ?? '',
          provenance: [],
          tree: root,
          sizeBytes: 0,
          fileCount: 0,
          seq: 0,
        };
        commit.id = this.commits.newId();
        commit.seq = meta.nextSeq();
        made.push({ q, commit });
        parent = commit;
      }
      if (made.length === 0) return;
      await Promise.all([this.ctx.deps.content.blobs.flush(), ...made.map(({ q }) => q.write.flushContent?.())]);
      const finished = this.ctx.now();
      for (const { commit } of made) {
        const stats = await this.ctx.deps.tree.stats(commit.tree);
        Object.assign(commit, { finished, sizeBytes: stats.bytes, fileCount: stats.files });
      }
      const last = made[made.length - 1]!.commit;
      await meta.write(
        made.map(({ commit }) => (commit === last ? { putCommit: commit, putBranch: { ...(existing ?? { repo, name: branch }), head: commit.id } } : { putCommit: commit })),
        true,
      );
      for (const { commit } of made) await this.ctx.commitFinished(commit);
      for (const { q, commit } of made) q.resolve(commit);
    } catch (err) {
      for (const q of group) q.reject(err);
    }
  }
}
