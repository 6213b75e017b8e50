// The reference the fuzz suite checks the glob automaton against: the same
// syntax tree turned into a JavaScript (backtracking) RegExp, the way Tusk
// matched datum globs before its own automaton. Correct but exponential on
// some patterns, so it only ever sees short patterns and paths.
import { parseGlobSyntax, type GlobNode } from '../../src/tree/index.js';

export function referenceGlob(pattern: string): { groups: number; emptyLoop: boolean; exec(path: string): string[] | undefined } {
  const { nodes, groups } = parseGlobSyntax(pattern);
  const emptyLoop = nodes.some(hasEmptyLoop);
  const re = new RegExp('^' + emitSeq(nodes, '', true) + '$', 'su');
  return {
    groups,
    emptyLoop,
    exec(path) {
      const m = re.exec(path);
      if (!m) return undefined;
      const out = [m[0]];
      for (let i = 1; i <= groups; i++) out.push(m.groups?.[`g${i}`] ?? '');
      return out;
    },
  };
}

/**
 * True when the backtracking reference stays fast on `pattern` whatever the
 * (short) path: no repeat (`*`, `**`, `*(…)`, `+(…)`, `!(…)`) inside a repeated
 * or negated group. Nested repeats make a failing RegExp match try every way of
 * splitting the path among them — a property run took minutes on one such
 * pattern — and a RegExp cannot be stopped from the same thread. The automaton
 * meets nested repeats in the time fuzzing of test/fuzz/globs.fuzz.test.ts.
 */
export function tameForReference(pattern: string): boolean {
  const repeats = (n: GlobNode): boolean => n.t === 'star' || n.t === 'globstar' || (n.t === 'ext' && n.op !== '@' && n.op !== '?');
  const walk = (nodes: GlobNode[], insideRepeat: boolean): boolean =>
    nodes.every((n) => {
      if (insideRepeat && repeats(n)) return false;
      if (n.t === 'alt') return n.alts.every((a) => walk(a, insideRepeat));
      if (n.t === 'ext') return n.alts.every((a) => walk(a, insideRepeat || repeats(n)));
      return true;
    });
  return walk(parseGlobSyntax(pattern).nodes, false);
}

/**
 * True when a repeated or optional group (`*(…)`, `+(…)`, `?(…)`) can match the empty string. There
 * a backtracking RegExp may prefer "one more empty round, then something else"
 * and so report other captures than an automaton, which (like RE2) keeps one
 * thread per state; whether the path matches is the same either way.
 */
function hasEmptyLoop(n: GlobNode): boolean {
  if (n.t !== 'alt' && n.t !== 'ext') return false;
  if (n.t === 'ext' && (n.op === '*' || n.op === '+' || n.op === '?') && n.alts.some((a) => a.every(nullable))) return true;
  return n.alts.some((a) => a.some(hasEmptyLoop));
}

function nullable(n: GlobNode): boolean {
  switch (n.t) {
    case 'lit':
      return n.s === '';
    case 'star':
    case 'globstar':
      return true;
    case 'any':
    case 'class':
      return false;
    case 'alt':
      return n.alts.some((a) => a.every(nullable));
    case 'ext':
      return n.op === '*' || n.op === '?' || n.op === '!' || n.alts.some((a) => a.every(nullable));
  }
}

function classChar(cp: number): string {
  const c = String.fromCodePoint(cp);
  return /[\\\]\[^\-]/.test(c) ? '\\' + c : c;
}

function escapeLiteral(s: string): string {
  return s.replace(/[\^$\\.*+?()[\]{}|/]/g, '\\$&');
}

function emitSeq(nodes: GlobNode[], cont: string, cap: boolean): string {
  let out = '';
  for (let i = 0; i < nodes.length; i++) {
    const rest = () => emitSeq(nodes.slice(i + 1), cont, false) + cont;
    out += emitNode(nodes[i]!, rest, cap);
  }
  return out;
}

function emitNode(n: GlobNode, rest: () => string, cap: boolean): string {
  switch (n.t) {
    case 'lit':
      return escapeLiteral(n.s);
    case 'star':
      return '[^/]*';
    case 'globstar':
      return '.*';
    case 'any':
      return '[^/]';
    case 'class': {
      let body = '';
      for (let k = 0; k < n.ranges.length; k += 2) body += n.ranges[k] === n.ranges[k + 1] ? classChar(n.ranges[k]!) : `${classChar(n.ranges[k]!)}-${classChar(n.ranges[k + 1]!)}`;
      return n.neg ? `[^/${body}]` : `[${body}]`;
    }
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
