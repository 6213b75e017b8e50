// Transactions, as pachctl has them: `start transaction` opens one, the ops a
// CLI issues while it is active (create branch, start commit, finish commit,
// create/update pipeline) are recorded in it instead of applied, and
// `finish transaction` applies them at once. While they are applied, the
// commits they finish, the branches they move and the pipelines they create
// start no job: what they set off is collected (deferred-triggers.ts) and
// started once, for the final state — so moving two input branches of a
// pipeline in one transaction runs it once. An op that fails undoes the ops
// before it (in reverse order) and the error names the op. Commits are
// finished after every other op, so that a failing op never leaves a commit
// finished that the transaction meant to roll back; a commit it started is deleted.
import { InvalidArgument, PipelineNotFound, TransactionFailed, TransactionNotFound } from '../errors/index.js';
import { checkBranchName, commitIdFrom, parseRef } from '../pfs/index.js';
import { newDeferredTriggers, planDeferred } from './deferred-triggers.js';
import type { CommitRemoval } from './commit-removal.js';
import type { Jobs } from './jobs.js';
import type { Pipelines } from './pipelines.js';
import type { PpsContext } from './pps-context.js';
import type { JobRecord, TransactionOp, TransactionRecord } from './records.js';
import { parsePipelineSpec } from './spec-parse.js';

type Undo = () => Promise<void>;

export class Transactions {
  private readonly finishing = new Set<string>();

  constructor(private readonly ctx: PpsContext, private readonly jobs: Jobs, private readonly pipelines: Pipelines, private readonly removal: CommitRemoval) {}

  async start(): Promise<TransactionRecord> {
    const record: TransactionRecord = { id: commitIdFrom(this.ctx.deps.random(16)), started: this.ctx.now(), ops: [] };
    await this.ctx.store.apply([this.ctx.store.transactions.putOp(record.id, record)]);
    return record;
  }

  /** Records an op (checked for form now; applied by finish). Throws TransactionNotFound, InvalidArgument, InvalidRef, InvalidSpec. */
  async add(id: string, op: TransactionOp): Promise<TransactionRecord> {
    checkOp(op);
    const record = await this.get(id);
    if (this.finishing.has(id)) throw new InvalidArgument('TransactionFinishing', `transaction ${id} is being finished: start a new one`, { transaction: id });
    const updated = { ...record, ops: [...record.ops, op] };
    await this.ctx.store.apply([this.ctx.store.transactions.putOp(id, updated)]);
    return updated;
  }

  /** Throws TransactionNotFound. */
  async get(id: string): Promise<TransactionRecord> {
    const record = await this.ctx.store.transactions.get(id);
    if (!record) throw new TransactionNotFound(id);
    return record;
  }

  /** Open transactions, oldest first. */
  async list(): Promise<TransactionRecord[]> {
    return (await this.ctx.store.transactions.values('')).sort((a, b) => (a.started < b.started ? -1 : a.started > b.started ? 1 : 0));
  }

  /** Discards a transaction and its ops. Throws TransactionNotFound. */
  async delete(id: string): Promise<void> {
    await this.get(id);
    await this.ctx.store.apply([this.ctx.store.transactions.delOp(id)]);
  }

  /**
   * Applies the ops, then starts the jobs they set off, once. On a failing op, undoes the
   * applied ones, drops the transaction and throws TransactionFailed naming the op.
   */
  async finish(id: string): Promise<{ transaction: TransactionRecord; jobs: JobRecord[] }> {
    const record = await this.get(id);
    if (this.finishing.has(id)) throw new InvalidArgument('TransactionFinishing', `transaction ${id} is being finished already`, { transaction: id });
    this.finishing.add(id);
    try {
      const batch = newDeferredTriggers();
      const ordered = [...record.ops.filter((o) => o.kind !== 'finish_commit'), ...record.ops.filter((o) => o.kind === 'finish_commit')];
      const undo: Undo[] = [];
      let failure: TransactionFailed | undefined;
      await this.ctx.deferred.run(batch, async () => {
        for (const op of ordered) {
          try {
            undo.unshift(await this.apply(op));
          } catch (err) {
            failure = new TransactionFailed(id, describeOp(op), (err as Error).message);
            break;
          }
        }
        if (failure) {
          for (const u of undo) {
            await u().catch((err: Error) => this.ctx.deps.log('error', 'transaction_undo_failed', { transaction: id, message: err.message }));
          }
        }
        batch.closed = true;
      });
      await this.ctx.store.apply([this.ctx.store.transactions.delOp(id)]);
      if (failure) {
        this.ctx.deps.log('warn', 'transaction_rolled_back', { transaction: id, op: failure.op, reason: failure.reason });
        throw failure;
      }
      const plan = planDeferred(await this.jobs.nodes(), batch, () => commitIdFrom(this.ctx.deps.random(16)));
      const jobs = plan.order.length > 0 ? await this.jobs.createCascade(plan.order, plan.id, plan.inSet) : [];
      for (const c of plan.unnamed) await this.jobs.onUserCommit(await this.ctx.pfs.commits.mustGet(c.repo, c.id));
      this.ctx.deps.log('info', 'transaction_finished', { transaction: id, ops: record.ops.length, jobs: jobs.length });
      return { transaction: record, jobs };
    } finally {
      this.finishing.delete(id);
    }
  }

  /** Applies one op; returns what undoes it. */
  private async apply(op: TransactionOp): Promise<Undo> {
    const pfs = this.ctx.pfs;
    switch (op.kind) {
      case 'create_branch': {
        const { repo, name } = branchRef(op.branch);
        const restore = await this.branchRestorer(repo, name);
        await pfs.branches.create(repo, name, op.head || undefined);
        return restore;
      }
      case 'start_commit': {
        const { repo, name } = branchRef(op.branch);
        const restore = await this.branchRestorer(repo, name);
        const opened = await pfs.commits.start(repo, name, { description: op.description });
        return async () => {
          // Deleted (delete commit moves the branch back); if that is refused, the branch is put back and the open commit stays, on no branch.
          const deleted = await this.removal.remove('delete', `${repo}@${opened.id}`).then(() => true, () => false);
          if (!deleted) await restore();
        };
      }
      case 'finish_commit':
        await pfs.commits.finish(op.commit, op.description || undefined);
        return async () => {}; // the last ops applied: nothing after them can fail and need this undone
      case 'create_pipeline': {
        const name = parsePipelineSpec(op.spec).name;
        const before = await this.ctx.store.getPipeline(name);
        if (op.update && !before) throw new PipelineNotFound(name);
        await this.pipelines.create(op.spec, { update: op.update, reprocess: op.reprocess });
        if (!before) return () => this.pipelines.delete(name, true);
        return () => this.ctx.store.apply([this.ctx.store.pipelines.putOp(name, before)]);
      }
    }
  }

  /** What puts `repo@name` back where it is now (deleted, if it does not exist yet). */
  private async branchRestorer(repo: string, name: string): Promise<Undo> {
    const pfs = this.ctx.pfs;
    const before = await pfs.branches.find(repo, name);
    return async () => {
      if (before?.head) {
        await pfs.branches.create(repo, name, `${repo}@${before.head}`);
        return;
      }
      if (await pfs.branches.find(repo, name)) await pfs.branches.delete(repo, name, true);
      if (before) await pfs.branches.create(repo, name);
    };
  }
}

/** The op as the command that recorded it reads: `create branch images@master --head staging`. */
export function describeOp(op: TransactionOp): string {
  switch (op.kind) {
    case 'create_branch':
      return `create branch ${op.branch}${op.head ? ` --head ${op.head}` : ''}`;
    case 'start_commit':
      return `start commit ${op.branch}`;
    case 'finish_commit':
      return `finish commit ${op.commit}`;
    case 'create_pipeline': {
      let name = '?';
      try {
        name = parsePipelineSpec(op.spec).name;
      } catch {
        // described as '?': the spec was checked when recorded
      }
      return `${op.update ? 'update' : 'create'} pipeline ${name}`;
    }
  }
}

/** Throws InvalidArgument, InvalidRef or InvalidSpec for an op that could never apply. */
function checkOp(op: TransactionOp): void {
  switch (op.kind) {
    case 'create_branch':
    case 'start_commit':
      branchRef(op.branch);
      if (op.kind === 'create_branch' && op.head) parseRef(op.head);
      return;
    case 'finish_commit':
      parseRef(op.commit);
      return;
    case 'create_pipeline':
      parsePipelineSpec(op.spec);
      return;
    default:
      throw new InvalidArgument('UnknownTransactionOp', `a transaction records create branch, start commit, finish commit and create/update pipeline, not "${(op as { kind: string }).kind}"`, { kind: (op as { kind: string }).kind });
  }
}

function branchRef(text: string): { repo: string; name: string } {
  const ref = parseRef(text);
  if (ref.isId || ref.ancestors > 0) throw new InvalidArgument('NotABranch', `"${text}" names a commit, not a branch: give REPO@BRANCH`, { ref: text });
  checkBranchName(ref.name);
  return { repo: ref.repo, name: ref.name };
}
