// Which pipelines a new commit sets off, in the order they must run: every
// pipeline that reads the changed repo branch, then every pipeline reading
// their output branches, and so on (a topological order of the DAG below the
// commit). Pure.

export interface PipelineNode {
  name: string;
  /** The repo branches the pipeline reads (leaf inputs). */
  inputs: readonly { repo: string; branch: string }[];
  /** Its output branch (the output repo is the pipeline's name). */
  outputBranch: string;
}

/**
 * Pipelines downstream of `repo@branch`, each after all of its upstream pipelines in the set.
 * With no branch, a pipeline reading the repo at any branch counts, and so on below it
 * (the DAG an experiment branch runs through).
 */
export function downstream(pipelines: readonly PipelineNode[], repo: string, branch: string | undefined): PipelineNode[] {
  const reached = new Map<string, PipelineNode>();
  const frontier: { repo: string; branch: string | undefined }[] = [{ repo, branch }];
  while (frontier.length > 0) {
    const changed = frontier.pop()!;
    for (const p of pipelines) {
      if (reached.has(p.name)) continue;
      if (p.inputs.some((i) => i.repo === changed.repo && (changed.branch === undefined || i.branch === changed.branch))) {
        reached.set(p.name, p);
        frontier.push({ repo: p.name, branch: branch === undefined ? undefined : p.outputBranch });
      }
    }
  }
  return topoOrder([...reached.values()]);
}

/** Orders pipelines so that each comes after the pipelines whose outputs it reads. */
export function topoOrder(nodes: readonly PipelineNode[]): PipelineNode[] {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const done = new Set<string>();
  const out: PipelineNode[] = [];
  const visit = (n: PipelineNode, path: Set<string>) => {
    if (done.has(n.name) || path.has(n.name)) return;
    path.add(n.name);
    for (const i of n.inputs) {
      const up = byName.get(i.repo);
      if (up && up.outputBranch === i.branch) visit(up, path);
    }
    path.delete(n.name);
    done.add(n.name);
    out.push(n);
  };
  for (const n of [...nodes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) visit(n, new Set());
  return out;
}
