// Datum globs: the patterns of `pfs.glob`, with Pachyderm's syntax and capture
// groups (src/tree/glob-syntax.ts), compiled to a matcher that also returns what
// each group captured (for `join_on` / `group_by` templates such as "$1").
// So "/*_STOREID(*).txt" has one group: what follows STOREID. Matching runs on
// a non-backtracking automaton (src/tree/glob-machine.ts): its cost is linear
// in the path's length whatever the pattern.
//
// Matching is on absolute paths without a trailing slash. A glob without a
// leading '/' gets one; a trailing '/' is dropped; "/" is the root only.
import { InvalidGlob } from '../errors/index.js';
import { compileGlobMachine, parseGlobSyntax, type GlobNode, type MatchStats } from '../tree/index.js';

type Node = GlobNode;

export interface DatumGlob {
  /** The glob as matched: leading '/', no trailing '/'. */
  readonly pattern: string;
  /** Number of capture groups ($1 … $groups). */
  readonly groups: number;
  /** True for "/": the one match is the root, holding every file. */
  readonly isRoot: boolean;
  /** The deepest directory (or the path itself) every match lies at or under: where to start listing files. */
  readonly base: string;
  /** How many path segments every match has, or undefined when it varies (`**`, '/' inside braces or groups). */
  readonly depth: number | undefined;
  /** The captures for `path` ([0] is the path itself, [n] group n, '' for a group that took no part), or undefined if it does not match. */
  match(path: string, stats?: MatchStats): string[] | undefined;
  /** As match, awaiting `pause` between chunks of work so a long match cannot hold the event loop. */
  matchAsync(path: string, pause: () => Promise<void>, stats?: MatchStats): Promise<string[] | undefined>;
}

/** Puts a glob into the form it is matched in: leading '/', no trailing '/' (except the root). */
export function normalizeGlob(glob: string): string {
  let g = glob.startsWith('/') ? glob : '/' + glob;
  while (g.length > 1 && g.endsWith('/') && !g.endsWith('\\/')) g = g.slice(0, -1);
  return g;
}

/** Compiles a datum glob. Throws InvalidGlob naming the problem. */
export function compileDatumGlob(glob: string): DatumGlob {
  const pattern = normalizeGlob(glob);
  const { nodes, groups } = parseGlobSyntax(pattern, glob);
  const machine = compileGlobMachine(nodes, groups);
  const { base, depth } = shape(nodes);
  return {
    pattern,
    groups,
    isRoot: pattern === '/',
    base,
    depth,
    match: (path, stats) => machine.exec(path, stats),
    matchAsync: (path, pause, stats) => machine.execAsync(path, pause, stats),
  };
}

/** Checks a glob, returning the reason it is invalid or undefined if it is fine. */
export function globProblem(glob: string): string | undefined {
  try {
    compileDatumGlob(glob);
    return undefined;
  } catch (e) {
    if (e instanceof InvalidGlob) return e.reason;
    throw e;
  }
}

/** The literal leading directory of a glob and its fixed segment count, if any. */
function shape(nodes: Node[]): { base: string; depth: number | undefined } {
  const segments: Node[][] = [[]];
  for (const n of nodes) {
    if (n.t === 'lit') {
      const parts = n.s.split('/');
      parts.forEach((p, k) => {
        if (k > 0) segments.push([]);
        if (p) segments[segments.length - 1]!.push({ t: 'lit', s: p });
      });
    } else {
      segments[segments.length - 1]!.push(n);
    }
  }
  // segments[0] is what precedes the leading '/', always empty.
  const segs = segments.slice(1).filter((s, k, all) => s.length > 0 || k < all.length - 1);
  const literal: string[] = [];
  for (const s of segs) {
    if (s.length === 1 && s[0]!.t === 'lit') literal.push((s[0] as { s: string }).s);
    else break;
  }
  const base = '/' + literal.join('/');
  const depth = nodes.some(crossesSlash) ? undefined : segs.length;
  return { base, depth };
}

function crossesSlash(n: Node): boolean {
  switch (n.t) {
    case 'globstar':
      return true;
    case 'alt':
    case 'ext':
      return n.alts.some((a) => a.some((m) => crossesSlash(m) || (m.t === 'lit' && m.s.includes('/'))));
    default:
      return false;
  }
}

const REF = /\$(?:(\d+)|\{(\d+)\})/g;

/** Fills a `join_on` / `group_by` template: `$N` or `${N}` becomes capture N ($0 the whole path); other text stays. */
export function expandCaptures(template: string, captures: readonly string[]): string {
  return template.replace(REF, (_m, a: string | undefined, b: string | undefined) => captures[Number(a ?? b)] ?? '');
}

/** The capture group numbers a template refers to, in order of appearance. */
export function captureRefs(template: string): number[] {
  return [...template.matchAll(REF)].map((m) => Number(m[1] ?? m[2]));
}
