// The pipeline graph: which repo branches a pipeline reads (to trigger jobs and to
// refuse cycles), and finding a cycle among pipelines whose output repos feed
// each other. Pure.
import type { Input, PipelineSpec } from './spec.js';

export interface InputRepo {
  readonly repo: string;
  readonly branch: string;
  /** The input's name (several inputs may read one repo). */
  readonly name: string;
  readonly kind: 'pfs' | 'cron';
  /** Read by every job but never starts one (`reference: true`). */
  readonly reference?: boolean;
  /** Pinned (`input.pfs.commit`): every job reads this commit, and new commits start no job. */
  readonly commit?: string;
}

/** Every pfs and cron input of a spec, in the order they appear. */
export function inputRepos(spec: Pick<PipelineSpec, 'input'>): InputRepo[] {
  const out: InputRepo[] = [];
  const walk = (input: Input) => {
    if (input.type === 'pfs' || input.type === 'cron') out.push({ repo: input.repo, branch: input.branch, name: input.name, kind: input.type, ...(input.type === 'pfs' && input.reference && { reference: true }), ...(input.type === 'pfs' && input.commit && { commit: input.commit }) });
    else for (const child of input.inputs) walk(child);
  };
  walk(spec.input);
  return out;
}

/**
 * A cycle among pipelines, where pipeline B depends on A when one of B's input repos is
 * A's output repo (named after A). Returns the pipelines along the cycle with the first
 * repeated at the end (["a", "b", "a"]; ["a", "a"] for a pipeline reading its own
 * output), or undefined if there is none. Deterministic: names are visited in order.
 */
export function findCycle(pipelines: readonly { name: string; inputRepos: readonly string[] }[]): string[] | undefined {
  const names = new Set(pipelines.map((p) => p.name));
  // Edges point from a pipeline to the pipelines whose output it reads.
  const reads = new Map<string, string[]>();
  for (const p of pipelines) reads.set(p.name, [...new Set(p.inputRepos.filter((r) => names.has(r)))].sort());
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    state.set(name, 'open');
    stack.push(name);
    for (const next of reads.get(name) ?? []) {
      const s = state.get(next);
      if (s === 'open') return [...stack.slice(stack.indexOf(next)), next].reverse();
      if (s === undefined) {
        const found = visit(next);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const name of [...names].sort()) {
    if (state.has(name)) continue;
    const found = visit(name);
    if (found) return found;
  }
  return undefined;
}
