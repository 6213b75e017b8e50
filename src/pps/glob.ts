// Datum globs: the patterns of `pfs.glob`, with Pachyderm's syntax and capture
// groups, compiled to a matcher that also returns what each group captured (for
// `join_on` / `group_by` templates such as "$1").
//
// Syntax (as Pachyderm's ohmyglob): `*` any run of characters except '/', `**`
// any run including '/', `?` one character except '/', `[abc]`, `[a-z]`,
// `[!abc]` / `[^abc]` classes, `{a,b}` alternatives (not captured), `\x` a
// literal x. Capture groups are parenthesised: `(a|b)` or `@(a|b)` exactly one
// of, `?(…)` zero or one, `*(…)` zero or more, `+(…)` one or more, `!(…)`
// anything but; each opening parenthesis is one group, numbered from 1 in order.
// So "/*_STOREID(*).txt" has one group: what follows STOREID.
//
// Matching is on absolute paths without a trailing slash. A glob without a
// leading '/' gets one; a trailing '/' is dropped; "/" is the root only.
import { InvalidGlob } from '../errors/index.js';

type Alts = Node[][];
type Node =
  | { t: 'lit'; s: string }
  | { t: 'star' }
  | { t: 'globstar' }
  | { t: 'any' }
  | { t: 'class'; neg: boolean; body: string }
  | { t: 'alt'; alts: Alts }
  | { t: 'ext'; op: '@' | '?' | '*' | '+' | '!'; alts: Alts; group: number };

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
  match(path: string): string[] | undefined;
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
  const parser = new Parser(pattern, glob);
  const nodes = parser.parseTop();
  const source = '^' + emitSeq(nodes, '', true) + '$';
  let re: RegExp;
  try {
    re = new RegExp(source, 'su');
  } catch (e) {
    throw new InvalidGlob(glob, (e as Error).message);
  }
  const groups = parser.groups;
  const { base, depth } = shape(nodes);
  return {
    pattern,
    groups,
    isRoot: pattern === '/',
    base,
    depth,
    match(path: string): string[] | undefined {
      const m = re.exec(path);
      if (!m) return undefined;
      const out = [m[0]];
      for (let i = 1; i <= groups; i++) out.push(m.groups?.[`g${i}`] ?? '');
      return out;
    },
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

class Parser {
  private i = 0;
  groups = 0;
  constructor(private readonly src: string, private readonly original: string) {}

  private fail(reason: string): never {
    throw new InvalidGlob(this.original, reason);
  }

  parseTop(): Node[] {
    const nodes = this.seq(new Set());
    if (this.i < this.src.length) this.fail(`unexpected "${this.src[this.i]}" at position ${this.i + 1}`);
    return nodes;
  }

  /** Parses until end of input or one of `stops` (not consumed). */
  private seq(stops: Set<string>): Node[] {
    const out: Node[] = [];
    const lit = (s: string) => {
      const last = out[out.length - 1];
      if (last?.t === 'lit') last.s += s;
      else out.push({ t: 'lit', s });
    };
    const src = this.src;
    while (this.i < src.length) {
      const c = src[this.i]!;
      if (stops.has(c)) break;
      const next = src[this.i + 1];
      if (c === '\\') {
        if (next === undefined) this.fail('ends with an unfinished escape "\\"');
        lit(next);
        this.i += 2;
      } else if ((c === '*' || c === '?' || c === '+' || c === '@' || c === '!') && next === '(') {
        this.i += 2;
        out.push(this.ext(c));
      } else if (c === '(') {
        this.i += 1;
        out.push(this.ext('@'));
      } else if (c === '*') {
        if (next === '*') {
          while (src[this.i] === '*') this.i++;
          out.push({ t: 'globstar' });
        } else {
          this.i++;
          out.push({ t: 'star' });
        }
      } else if (c === '?') {
        this.i++;
        out.push({ t: 'any' });
      } else if (c === '[') {
        out.push(this.charClass());
      } else if (c === '{') {
        this.i++;
        out.push({ t: 'alt', alts: this.alternatives(',', '}', '{') });
      } else {
        lit(c);
        this.i++;
      }
    }
    return out;
  }

  private ext(op: '@' | '?' | '*' | '+' | '!'): Node {
    const group = ++this.groups;
    const alts = this.alternatives('|', ')', '(');
    return { t: 'ext', op, alts, group };
  }

  private alternatives(sep: string, close: string, open: string): Alts {
    const start = this.i - 1;
    const alts: Alts = [];
    for (;;) {
      alts.push(this.seq(new Set([sep, close])));
      const c = this.src[this.i];
      if (c === undefined) this.fail(`"${open}" at position ${start + 1} is never closed`);
      this.i++;
      if (c === close) return alts;
    }
  }

  private charClass(): Node {
    const start = this.i;
    this.i++;
    let neg = false;
    if (this.src[this.i] === '!' || this.src[this.i] === '^') {
      neg = true;
      this.i++;
    }
    let body = '';
    let first = true;
    for (;;) {
      let c = this.src[this.i];
      if (c === undefined) this.fail(`"[" at position ${start + 1} is never closed`);
      if (c === ']' && !first) break;
      first = false;
      if (c === '\\') {
        c = this.src[++this.i];
        if (c === undefined) this.fail('ends with an unfinished escape "\\"');
      }
      this.i++;
      if (this.src[this.i] === '-' && this.src[this.i + 1] !== undefined && this.src[this.i + 1] !== ']') {
        let hi = this.src[this.i + 1]!;
        this.i += 2;
        if (hi === '\\') {
          const esc = this.src[this.i];
          if (esc === undefined) this.fail('ends with an unfinished escape "\\"');
          hi = esc;
          this.i++;
        }
        if (hi.codePointAt(0)! < c.codePointAt(0)!) this.fail(`character range "${c}-${hi}" is out of order`);
        body += classChar(c) + '-' + classChar(hi);
      } else {
        body += classChar(c);
      }
    }
    this.i++;
    return { t: 'class', neg, body };
  }
}

function classChar(c: string): string {
  return /[\\\]\[^\-]/.test(c) ? '\\' + c : c;
}

function escapeLiteral(s: string): string {
  return s.replace(/[\^$\\.*+?()[\]{}|/]/g, '\\$&');
}

/** Regex for `nodes`; `cont` is the (non-capturing) regex for whatever follows them, needed by `!(…)`. */
function emitSeq(nodes: Node[], cont: string, cap: boolean): string {
  let out = '';
  for (let i = 0; i < nodes.length; i++) {
    const rest = () => emitSeq(nodes.slice(i + 1), cont, false) + cont;
    out += emitNode(nodes[i]!, rest, cap);
  }
  return out;
}

function emitNode(n: Node, rest: () => string, cap: boolean): string {
  switch (n.t) {
    case 'lit':
      return escapeLiteral(n.s);
    case 'star':
      return '[^/]*';
    case 'globstar':
      return '.*';
    case 'any':
      return '[^/]';
    case 'class':
      return n.neg ? `[^/${n.body}]` : `[${n.body}]`;
    case 'alt': {
      const r = rest();
      return '(?:' + n.alts.map((a) => emitSeq(a, r, cap)).join('|') + ')';
    }
    case 'ext': {
      const r = rest();
      const open = cap ? `(?<g${n.group}>` : '(?:';
      if (n.op === '!') {
        const body = n.alts.map((a) => emitSeq(a, r, false)).join('|');
        return `${open}(?!(?:${body})${r}$)[^/]*?)`;
      }
      const body = n.alts.map((a) => emitSeq(a, r, cap)).join('|');
      const suffix = n.op === '@' ? '' : n.op;
      return suffix ? `${open}(?:${body})${suffix})` : `${open}${body})`;
    }
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
