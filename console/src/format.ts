// How the views print sizes, times and IDs.
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

export function ago(iso: string): string {
  if (!iso) return '';
  const s = Math.round((Date.now() - Date.parse(iso)) / 1000);
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return new Date(iso).toISOString().slice(0, 10);
}

export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60_000);
  return `${m} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function span(started: string, finished: string): string {
  if (!started) return '';
  return duration((finished ? Date.parse(finished) : Date.now()) - Date.parse(started));
}

export const short = (id: string) => id.slice(0, 8);

/** The repos a pipeline spec reads (every pfs input, through cross, union, join and group). */
export function inputRepos(specJson: string): string[] {
  const repos = new Set<string>();
  const walk = (node: unknown) => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(walk);
    const o = node as Record<string, unknown>;
    if (o.type === 'pfs' && typeof o.repo === 'string') repos.add(o.repo);
    for (const v of Object.values(o)) walk(v);
  };
  walk((JSON.parse(specJson) as { input?: unknown }).input);
  return [...repos];
}
