// The syntax tree of a glob, shared by `glob file` (src/tree/glob.ts) and datum
// globs (src/pps/glob.ts), and its parser. The parser is bounded: a pattern
// longer than MAX_GLOB_LENGTH or nested deeper than MAX_GLOB_NESTING is refused
// with InvalidGlob naming the limit, so no pattern can exhaust the stack.
//
// Syntax (as Pachyderm's ohmyglob): `*` any run of characters except '/', `**`
// any run including '/', `?` one character except '/', `[abc]`, `[a-z]`,
// `[!abc]` / `[^abc]` classes, `{a,b}` alternatives (not captured), `\x` a
// literal x. Capture groups are parenthesised: `(a|b)` or `@(a|b)` exactly one
// of, `?(…)` zero or one, `*(…)` zero or more, `+(…)` one or more, `!(…)`
// anything but; each opening parenthesis is one group, numbered from 1 in order.
import { InvalidGlob } from '../errors/index.js';

export const MAX_GLOB_LENGTH = 1024;
export const MAX_GLOB_NESTING = 32;

export type GlobAlts = GlobNode[][];
export type GlobNode =
  | { t: 'lit'; s: string }
  | { t: 'star' }
  | { t: 'globstar' }
  | { t: 'any' }
  /** `ranges` holds code point pairs [lo, hi, lo, hi, …]; a negated class never matches '/'. */
  | { t: 'class'; neg: boolean; ranges: number[] }
  | { t: 'alt'; alts: GlobAlts }
  | { t: 'ext'; op: '@' | '?' | '*' | '+' | '!'; alts: GlobAlts; group: number };

export interface GlobSyntax {
  nodes: GlobNode[];
  /** Number of capture groups. */
  groups: number;
}

/** Parses `pattern`; errors name `original` (what the user wrote). Throws InvalidGlob. */
export function parseGlobSyntax(pattern: string, original: string = pattern): GlobSyntax {
  if (pattern.length > MAX_GLOB_LENGTH) throw new InvalidGlob(clip(original), `longer than ${MAX_GLOB_LENGTH} characters`);
  const parser = new Parser(pattern, original);
  const nodes = parser.parseTop();
  return { nodes, groups: parser.groups };
}

function clip(s: string): string {
  return s.length > 80 ? s.slice(0, 80) + '…' : s;
}

class Parser {
  private i = 0;
  private depth = 0;
  groups = 0;
  constructor(private readonly src: string, private readonly original: string) {}

  private fail(reason: string): never {
    throw new InvalidGlob(clip(this.original), reason);
  }

  parseTop(): GlobNode[] {
    const nodes = this.seq(new Set());
    if (this.i < this.src.length) this.fail(`unexpected "${this.src[this.i]}" at position ${this.i + 1}`);
    return nodes;
  }

  /** Parses until end of input or one of `stops` (not consumed). */
  private seq(stops: Set<string>): GlobNode[] {
    const out: GlobNode[] = [];
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

  private ext(op: '@' | '?' | '*' | '+' | '!'): GlobNode {
    const group = ++this.groups;
    const alts = this.alternatives('|', ')', '(');
    return { t: 'ext', op, alts, group };
  }

  private alternatives(sep: string, close: string, open: string): GlobAlts {
    const start = this.i - 1;
    if (++this.depth > MAX_GLOB_NESTING) this.fail(`nests groups and braces deeper than ${MAX_GLOB_NESTING} levels`);
    const alts: GlobAlts = [];
    for (;;) {
      alts.push(this.seq(new Set([sep, close])));
      const c = this.src[this.i];
      if (c === undefined) this.fail(`"${open}" at position ${start + 1} is never closed`);
      this.i++;
      if (c === close) {
        this.depth--;
        return alts;
      }
    }
  }

  /** One character of a class, escapes resolved (a whole code point). */
  private classChar(): number {
    let c = this.src.codePointAt(this.i);
    if (c === 0x5c) {
      c = this.src.codePointAt(++this.i);
      if (c === undefined) this.fail('ends with an unfinished escape "\\"');
    }
    if (c === undefined) this.fail('ends inside a character class');
    this.i += c > 0xffff ? 2 : 1;
    return c;
  }

  private charClass(): GlobNode {
    const start = this.i;
    this.i++;
    let neg = false;
    if (this.src[this.i] === '!' || this.src[this.i] === '^') {
      neg = true;
      this.i++;
    }
    const ranges: number[] = [];
    let first = true;
    for (;;) {
      const c = this.src[this.i];
      if (c === undefined) this.fail(`"[" at position ${start + 1} is never closed`);
      if (c === ']' && !first) break;
      first = false;
      const lo = this.classChar();
      if (this.src[this.i] === '-' && this.src[this.i + 1] !== undefined && this.src[this.i + 1] !== ']') {
        this.i++;
        const hi = this.classChar();
        if (hi < lo) this.fail(`character range "${String.fromCodePoint(lo)}-${String.fromCodePoint(hi)}" is out of order`);
        ranges.push(lo, hi);
      } else {
        ranges.push(lo, lo);
      }
    }
    this.i++;
    return { t: 'class', neg, ranges };
  }
}
