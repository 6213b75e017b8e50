// Transactions, as pachctl has them: `start transaction` opens one, the ops a
// CLI issues while it is active (create branch, start commit, finish commit,
// create/update pipeline) are recorded in it instead of applied, and
// `finish transaction` applies them at once: every op is checked and planned
// first, against what the ones before it leave, and all their writes go in
// one metadata batch (pfs change-set.ts), so a reader sees all of them or none,
// and an op that would fail changes nothing. The commits a transaction starts
// share its ID as their global ID, as in Pachyderm's commit sets. What the ops
// set off (finished commits, branch moves, new pipelines) is collected while
// they are applied (deferred-triggers.ts) and started once, on the final state:
// a pipeline reading two branches moved in one transaction runs one job.
import { InvalidArgument, TransactionFailed, TransactionNotFound } from '../errors/index.js';
import { checkBranchName, commitIdFrom, parseRef, walksHistory } from '../pfs/index.js';
import { newDeferredTriggers, planDeferred } from './deferred-triggers.js';
import type { Jobs } from './jobs.js';
import type { PfsChange } from './pfs-access.js';
import { pipelineRepos, type PipelinePlan, type Pipelines, type StagedPipelines } from './pipelines.js';
import type { PpsContext } from './pps-context.js';
import type { JobRecord, TransactionOp, TransactionRecord } from './records.js';
import { parsePipelineSpec } from './spec-parse.js';
import { specTriggers } from './spec-triggers.js';
import type { PipelineSpec } from './spec.js';

export class Transactions {
  private readonly finishing = new Set<string>();

  constructor(private readonly ctx: PpsContext, private readonly jobs: Jobs, private readonly pipelines: Pipelines) {}

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
   * Applies the ops at once: each is checked and planned against what the ones before it leave
   * (pfs change-set.ts), then every write, and the transaction's removal, go in ONE metadata
   * batch, so no reader ever sees part of it; only then does what they set off run. The commits
   * it starts share one global ID, the transaction's, and the jobs they set off start once per
   * pipeline, on that set. An op that would fail refuses the whole transaction: nothing changes,
   * the transaction is dropped and TransactionFailed names the op.
   */
  async finish(id: string): Promise<{ transaction: TransactionRecord; jobs: JobRecord[] }> {
    const record = await this.get(id);
    if (this.finishing.has(id)) throw new InvalidArgument('TransactionFinishing', `transaction ${id} is being finished already`, { transaction: id });
    this.finishing.add(id);
    try {
      const batch = newDeferredTriggers();
      try {
        await this.ctx.deferred.run(batch, async () => {
          try {
            const planned = await this.ctx.pfs.atomically(reposOf(record.ops), async (change) => {
              const pipelines = await this.plan(record, change);
              return { result: pipelines, ops: [...pipelines.flatMap((p) => p.ops), this.ctx.store.transactions.delOp(id)] };
            });
            for (const p of planned) await this.pipelines.after(p);
          } finally {
            batch.closed = true;
          }
        });
      } catch (err) {
        if (!(err instanceof TransactionFailed)) throw err; // a storage failure: the transaction stays, to be finished again
        await this.ctx.store.apply([this.ctx.store.transactions.delOp(id)]);
        this.ctx.deps.log('warn', 'transaction_refused', { transaction: id, op: err.op, reason: err.reason });
        throw err;
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

  /**
   * Plans every op in `change`, in order; returns the pipelines to write. Commits started get the
   * transaction's ID as their global ID (so one per repo). Throws TransactionFailed naming the op.
   */
  private async plan(record: TransactionRecord, change: PfsChange): Promise<PipelinePlan[]> {
    const staged: StagedPipelines = new Map();
    const pipelines: PipelinePlan[] = [];
    for (const op of record.ops) {
      try {
        const planned = await this.planOp(op, record.id, change, staged);
        if (planned) pipelines.push(planned);
      } catch (err) {
        throw new TransactionFailed(record.id, describeOp(op), (err as Error).message);
      }
    }
    return pipelines;
  }

  private async planOp(op: TransactionOp, id: string, change: PfsChange, staged: StagedPipelines): Promise<PipelinePlan | undefined> {
    switch (op.kind) {
      case 'create_branch': {
        const { repo, name } = branchRef(op.branch);
        await change.createBranch(repo, name, op.head || undefined);
        return undefined;
      }
      case 'start_commit': {
        const { repo, name } = branchRef(op.branch);
        if (await change.getCommit(repo, id)) {
          throw new InvalidArgument('OneCommitPerRepo', `a transaction starts at most one commit per repo, and it started one in repo "${repo}" already (${repo}@${id})`, { repo });
        }
        await change.startUserCommit(repo, name, { description: op.description, id });
        return undefined;
      }
      case 'finish_commit':
        await change.finishCommit(op.commit, op.description || undefined);
        return undefined;
      case 'create_pipeline': {
        const spec = parsePipelineSpec(op.spec);
        checkNoTrigger(spec);
        return this.pipelines.plan(spec, { update: op.update, reprocess: op.reprocess }, change, staged);
      }
    }
  }
}

/** Every repo the ops may write to: their branches' and commits' repos, and each pipeline's (pipelines.ts). */
function reposOf(ops: readonly TransactionOp[]): string[] {
  return ops.flatMap((op) => {
    switch (op.kind) {
      case 'create_branch':
      case 'start_commit':
        return [branchRef(op.branch).repo];
      case 'finish_commit':
        return [parseRef(op.commit).repo];
      case 'create_pipeline':
        return pipelineRepos(parsePipelineSpec(op.spec));
    }
  });
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
      checkNoTrigger(parsePipelineSpec(op.spec));
      return;
    default:
      throw new InvalidArgument('UnknownTransactionOp', `a transaction records create branch, start commit, finish commit and create/update pipeline, not "${(op as { kind: string }).kind}"`, { kind: (op as { kind: string }).kind });
  }
}

/** Throws InvalidArgument for a spec with input.pfs.trigger: setting a branch trigger is not planned with the rest. */
function checkNoTrigger(spec: PipelineSpec): void {
  if (specTriggers(spec).length > 0) {
    throw new InvalidArgument('TriggerInTransaction', `pipeline ${spec.name} sets input.pfs.trigger, which a transaction cannot apply at once: create it outside the transaction`, { pipeline: spec.name });
  }
}

function branchRef(text: string): { repo: string; name: string } {
  const ref = parseRef(text);
  if (ref.isId || walksHistory(ref)) throw new InvalidArgument('NotABranch', `"${text}" names a commit, not a branch: give REPO@BRANCH`, { ref: text });
  checkBranchName(ref.name);
  return { repo: ref.repo, name: ref.name };
}
