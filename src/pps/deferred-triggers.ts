// What a transaction sets off, collected while it is applied and started once
// after (Pachyderm's point of transactions: moving two input branches in one
// transaction runs the pipeline reading both once, on the final state, not once
// per move). The collector records finished user commits, branch moves and
// created or updated pipelines; planDeferred turns them into one cascade: the
// union of the pipelines below each of them, in topological order, under one
// global ID. Pure.
import { downstream, topoOrder, type PipelineNode } from './cascade.js';

export interface DeferredTriggers {
  /** Finished user commits, by repo, branch and global ID. */
  readonly commits: { repo: string; branch: string; id: string }[];
  /** Branches moved to an existing finished commit (create branch --head, a trigger). */
  readonly moves: { repo: string; branch: string; to: string }[];
  /** Pipelines created or updated (they run on their inputs' heads). */
  readonly pipelines: Set<string>;
  /**
   * Set once the transaction is applied. Timers and process handlers armed while it was
   * applied (a cron, a worker's restart) keep its async context: what they set off later
   * must run as usual, not be collected.
   */
  closed: boolean;
}

export function newDeferredTriggers(): DeferredTriggers {
  return { commits: [], moves: [], pipelines: new Set(), closed: false };
}

/** The transaction being applied in this async context, if any (not one applied earlier). */
export function openDeferred(d: DeferredTriggers | undefined): DeferredTriggers | undefined {
  return d && !d.closed ? d : undefined;
}

export interface DeferredPlan {
  /** The pipelines to run, each after the ones it reads from. */
  order: PipelineNode[];
  /**
   * The cascade's global ID: the commits' when they share one (the transaction's commit set) or
   * the one move's when a single move set it off; else a new one.
   */
  id: string;
  /** Repos read at `id` (the repos of the set's commits), the rest at their heads. */
  inSet: Set<string>;
  /** Commits no pipeline reads at their branch: they run as experiments, one by one (as outside a transaction). */
  unnamed: { repo: string; branch: string; id: string }[];
}

export function planDeferred(nodes: readonly PipelineNode[], d: DeferredTriggers, freshId: () => string): DeferredPlan {
  const reached = new Map<string, PipelineNode>();
  const unnamed: DeferredPlan['unnamed'] = [];
  const reads = (repo: string, branch: string) => nodes.some((n) => n.inputs.some((i) => i.repo === repo && i.branch === branch));
  const sources: { repo: string; id: string; commit: boolean }[] = [];
  for (const c of d.commits) {
    if (!reads(c.repo, c.branch)) {
      unnamed.push(c);
      continue;
    }
    sources.push({ repo: c.repo, id: c.id, commit: true });
    for (const n of downstream(nodes, c.repo, c.branch)) reached.set(n.name, n);
  }
  for (const m of d.moves) {
    const below = downstream(nodes, m.repo, m.branch);
    if (below.length > 0) sources.push({ repo: m.repo, id: m.to, commit: false });
    for (const n of below) reached.set(n.name, n);
  }
  for (const name of d.pipelines) {
    const root = nodes.find((n) => n.name === name);
    if (!root) continue; // deleted meanwhile
    sources.push({ repo: '', id: '', commit: false });
    reached.set(root.name, root);
    for (const n of downstream(nodes, root.name, root.outputBranch)) reached.set(n.name, n);
  }
  const id = cascadeId(sources, unnamed);
  return {
    order: topoOrder([...reached.values()]),
    id: id ?? freshId(),
    inSet: id ? new Set(sources.filter((s) => s.id === id).map((s) => s.repo)) : new Set(),
    unnamed,
  };
}

/**
 * The ID the changes share, if they form one set: commits with one global ID (moves beside them
 * are read at their heads), or a single move. None when a created pipeline is among them, or
 * when an experiment run of an unnamed commit takes that ID.
 */
function cascadeId(sources: readonly { repo: string; id: string; commit: boolean }[], unnamed: readonly { id: string }[]): string | undefined {
  if (sources.length === 0 || sources.some((s) => s.repo === '')) return undefined;
  const commitIds = new Set(sources.filter((s) => s.commit).map((s) => s.id));
  const id = commitIds.size === 1 ? [...commitIds][0]! : commitIds.size === 0 && sources.length === 1 ? sources[0]!.id : undefined;
  return id && !unnamed.some((u) => u.id === id) ? id : undefined;
}
