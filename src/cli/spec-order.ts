// The order to print pipeline specs in for `list pipeline --spec`, so that the
// file reads back with `create pipeline -f` (which creates in file order): a
// pipeline after every pipeline whose output repo it reads, else by creation
// time, then name. A cycle cannot be created, but if one is met its pipelines
// keep their creation order after the rest. Pure.

export interface OrderedPipeline {
  name: string;
  created: string;
  /** The repos its inputs read. */
  inputRepos: readonly string[];
}

export function creationOrder<T extends OrderedPipeline>(pipelines: readonly T[]): T[] {
  const byAge = [...pipelines].sort((a, b) => (a.created < b.created ? -1 : a.created > b.created ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const names = new Set(byAge.map((p) => p.name));
  const placed = new Set<string>();
  const out: T[] = [];
  let pending = byAge;
  while (pending.length > 0) {
    const ready = pending.filter((p) => p.inputRepos.every((repo) => repo === p.name || !names.has(repo) || placed.has(repo)));
    const next = ready.length > 0 ? ready[0]! : pending[0]!; // a cycle: the oldest of what is left
    out.push(next);
    placed.add(next.name);
    pending = pending.filter((p) => p !== next);
  }
  return out;
}
