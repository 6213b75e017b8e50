// Runs a glob's syntax tree as a non-backtracking automaton (a Pike VM): all
// the ways a pattern can match are followed at once, one input character at a
// time, so a match costs at most (path length × program size) steps whatever
// the pattern, where a backtracking regex can take exponential time
// ('/*?*?*?*?*?*?*?*?z' against a long name). Captures follow the priorities a
// backtracking regex gives (leftmost alternative, greedy quantifiers), so the
// groups are the ones JavaScript's RegExp would report.
//
// `!(…)` ("anything but, then the rest of the pattern") is a negative
// look-ahead: for each one the machine first marks, in one backwards pass over
// the path, every position from which the look-ahead's pattern matches the
// rest of the path; the forward pass then only reads that table.
import { LazyDfa, type DfaInst } from './glob-dfa.js';
import { runSteps, runStepsAsync, STEPS_PER_CHUNK, type MatchStats, type Steps } from './glob-steps.js';
export type { MatchStats } from './glob-steps.js';
import type { GlobAlts, GlobNode } from './glob-syntax.js';

const SLASH = 0x2f;

// char: one code point; seg: any code point but '/'; any: any code point;
// split: both ways, x first; save/clear: record or forget capture slots (a
// repeated group forgets its earlier rounds); not: dead where look-ahead `look`
// matches the rest of the path; match: alive only at the end of the path.
type Inst = DfaInst;

/** What follows a node: the rest of its sequence, then what follows the sequence's owner. */
interface Cont {
  nodes: GlobNode[];
  from: number;
  next: Cont | undefined;
}


export interface GlobMachine {
  /** The captures for `path` ([0] the path, [n] group n, '' for a group that took no part), or undefined. */
  exec(path: string, stats?: MatchStats): string[] | undefined;
  test(path: string, stats?: MatchStats): boolean;
  /** As exec, awaiting `pause` between chunks of steps, so a long path cannot hold the event loop. */
  execAsync(path: string, pause: () => Promise<void>, stats?: MatchStats): Promise<string[] | undefined>;
  testAsync(path: string, pause: () => Promise<void>, stats?: MatchStats): Promise<boolean>;
}

interface Program {
  code: Inst[];
}

/** Compiles a parsed glob (the whole path must match) into a machine reporting `groups` captures. */
export function compileGlobMachine(nodes: GlobNode[], groups: number): GlobMachine {
  const looks: { forward: GlobNode; cont: Cont | undefined; reverse: Program | undefined }[] = [];
  const lookIds = new Map<GlobNode, number>();
  const lookOf = (n: GlobNode, cont: Cont | undefined): number => {
    let id = lookIds.get(n);
    if (id === undefined) {
      id = looks.length;
      lookIds.set(n, id);
      looks.push({ forward: n, cont, reverse: undefined });
    }
    return id;
  };
  const main = new Emitter(true, false, lookOf);
  main.seq(nodes, undefined);
  main.code.push({ op: 'match' });
  // Each look-ahead as a reversed program: its alternatives, then everything after it, read backwards.
  for (let i = 0; i < looks.length; i++) {
    const look = looks[i]!;
    const e = new Emitter(false, true, lookOf);
    const levels: Cont[] = [];
    for (let c = look.cont; c; c = c.next) levels.push(c);
    for (let k = levels.length - 1; k >= 0; k--) e.contLevel(levels[k]!);
    e.alts((look.forward as { alts: GlobAlts }).alts, look.cont);
    e.code.push({ op: 'match' });
    look.reverse = { code: e.code };
  }
  const order = lookOrder(looks.map((l) => l.reverse!));
  const dfa = looks.length === 0 ? new LazyDfa(main.code, accepts) : undefined;
  /** The NFA: look-ahead tables first (each one's dependencies before it), then the forward pass. */
  function* nfa(path: string, capture: boolean, stats: MatchStats): Steps<string[] | undefined> {
    const cps: number[] = [];
    const offs: number[] = [];
    for (let i = 0; i < path.length; ) {
      const cp = path.codePointAt(i)!;
      cps.push(cp);
      offs.push(i);
      i += cp > 0xffff ? 2 : 1;
    }
    offs.push(path.length);
    const tables: Uint8Array[] = new Array(looks.length);
    for (const id of order) tables[id] = yield* backwardTable(looks[id]!.reverse!, cps, tables, stats);
    const slots = capture ? 2 * (groups + 1) : 0;
    const caps = yield* forward({ code: main.code }, cps, offs, slots, tables, stats);
    if (!caps) return undefined;
    const out = [path];
    for (let g = 1; g <= groups; g++) {
      const a = caps[2 * g];
      const b = caps[2 * g + 1];
      out.push(a !== undefined && b !== undefined ? path.slice(a, b) : '');
    }
    return out;
  }
  // Yes/no answers come from the lazy DFA when there is no look-ahead; the NFA then runs only to capture groups of a match.
  function* test(path: string, stats: MatchStats): Steps<boolean> {
    if (dfa) return yield* dfa.test(path, stats);
    return (yield* nfa(path, false, stats)) !== undefined;
  }
  function* exec(path: string, stats: MatchStats): Steps<string[] | undefined> {
    if (dfa && !(yield* dfa.test(path, stats))) return undefined;
    if (dfa && groups === 0) return [path];
    return yield* nfa(path, true, stats);
  }
  return {
    exec: (path, stats = { steps: 0 }) => runSteps(exec(path, stats)),
    test: (path, stats = { steps: 0 }) => runSteps(test(path, stats)),
    execAsync: (path, pause, stats = { steps: 0 }) => runStepsAsync(exec(path, stats), pause),
    testAsync: (path, pause, stats = { steps: 0 }) => runStepsAsync(test(path, stats), pause),
  };
}

/** Look-ahead ids in an order where each comes after every look-ahead its program consults. */
function lookOrder(progs: Program[]): number[] {
  const order: number[] = [];
  const state = new Uint8Array(progs.length);
  const visit = (id: number): void => {
    if (state[id]) return;
    state[id] = 1;
    for (const i of progs[id]!.code) if (i.op === 'not') visit(i.look);
    order.push(id);
  };
  for (let id = 0; id < progs.length; id++) visit(id);
  return order;
}

class Emitter {
  readonly code: Inst[] = [];
  constructor(
    private readonly capture: boolean,
    private readonly reverse: boolean,
    private readonly lookOf: (n: GlobNode, cont: Cont | undefined) => number,
  ) {}

  private push(i: Inst): number {
    this.code.push(i);
    return this.code.length - 1;
  }

  /** Emits one level of a continuation: nodes[from…], each followed by its own continuation. */
  contLevel(c: Cont): void {
    this.seq(c.nodes, c.next, c.from);
  }

  seq(nodes: GlobNode[], next: Cont | undefined, from = 0): void {
    const idx: number[] = [];
    for (let i = from; i < nodes.length; i++) idx.push(i);
    if (this.reverse) idx.reverse();
    for (const i of idx) this.node(nodes[i]!, { nodes, from: i + 1, next });
  }

  /** One of `alts`, preferring the first. */
  alts(alts: GlobAlts, cont: Cont | undefined): void {
    const jumps: number[] = [];
    for (let k = 0; k < alts.length; k++) {
      let split = -1;
      if (k < alts.length - 1) split = this.push({ op: 'split', x: this.code.length + 1, y: -1 });
      this.seq(alts[k]!, cont);
      if (k < alts.length - 1) {
        jumps.push(this.push({ op: 'jmp', x: -1 }));
        (this.code[split] as { y: number }).y = this.code.length;
      }
    }
    for (const j of jumps) (this.code[j] as { x: number }).x = this.code.length;
  }

  /** `body` zero or more times (greedy unless `lazy`), forgetting captures `clear` at each round. */
  private star(body: () => void, lazy: boolean, clear?: [number, number]): void {
    const loop = this.push({ op: 'split', x: -1, y: -1 });
    const start = this.code.length;
    if (clear) this.push({ op: 'clear', from: clear[0], to: clear[1] });
    body();
    this.push({ op: 'jmp', x: loop });
    const exit = this.code.length;
    this.code[loop] = lazy ? { op: 'split', x: exit, y: start } : { op: 'split', x: start, y: exit };
  }

  private node(n: GlobNode, cont: Cont): void {
    switch (n.t) {
      case 'lit': {
        const cps = [...n.s].map((ch) => ch.codePointAt(0)!);
        if (this.reverse) cps.reverse();
        for (const cp of cps) this.push({ op: 'char', cp });
        return;
      }
      case 'star':
        return this.star(() => this.push({ op: 'seg' }), false);
      case 'globstar':
        return this.star(() => this.push({ op: 'any' }), false);
      case 'any':
        this.push({ op: 'seg' });
        return;
      case 'class':
        this.push({ op: 'class', neg: n.neg, ranges: n.ranges });
        return;
      case 'alt':
        return this.alts(n.alts, cont);
      case 'ext': {
        const cap = this.capture;
        if (cap) this.push({ op: 'save', slot: 2 * n.group });
        if (n.op === '!') {
          const not = () => this.push({ op: 'not', look: this.lookOf(n, cont) });
          if (!this.reverse) not();
          this.star(() => this.push({ op: 'seg' }), true);
          if (this.reverse) not();
        } else {
          const inner: [number, number] | undefined = cap ? [2 * n.group + 2, 2 * (lastGroup(n) + 1)] : undefined;
          const body = () => this.alts(n.alts, cont);
          if (n.op === '@') body();
          else if (n.op === '*') this.star(body, false, inner);
          else if (n.op === '?') {
            const split = this.push({ op: 'split', x: this.code.length + 1, y: -1 });
            body();
            (this.code[split] as { y: number }).y = this.code.length;
          } else {
            const start = this.code.length;
            if (inner) this.push({ op: 'clear', from: inner[0], to: inner[1] });
            body();
            this.push({ op: 'split', x: start, y: this.code.length + 1 });
          }
        }
        if (cap) this.push({ op: 'save', slot: 2 * n.group + 1 });
        return;
      }
    }
  }
}

/** The highest group number inside an ext node (its own if it has none nested). */
function lastGroup(n: GlobNode): number {
  let max = n.t === 'ext' ? n.group : 0;
  if (n.t === 'ext' || n.t === 'alt') for (const a of n.alts) for (const m of a) max = Math.max(max, lastGroup(m));
  return max;
}

function accepts(i: Inst, cp: number): boolean {
  switch (i.op) {
    case 'char':
      return cp === i.cp;
    case 'seg':
      return cp !== SLASH;
    case 'any':
      return true;
    case 'class': {
      if (i.neg && cp === SLASH) return false;
      let inside = false;
      for (let k = 0; k < i.ranges.length && !inside; k += 2) inside = cp >= i.ranges[k]! && cp <= i.ranges[k + 1]!;
      return inside !== i.neg;
    }
    default:
      return false;
  }
}

type Caps = (number | undefined)[] | undefined;
interface Thread {
  pc: number;
  caps: Caps;
}

/** Runs `prog` over the whole path; the captures (UTF-16 offsets) of the best match, or undefined. */
function* forward(prog: Program, cps: number[], offs: number[], slots: number, tables: Uint8Array[], stats: MatchStats): Steps<Caps | null> {
  const code = prog.code;
  const seen = new Int32Array(code.length).fill(-1);
  let clist: Thread[] = [];
  let nlist: Thread[] = [];
  const add = (list: Thread[], pc: number, caps: Caps, pos: number): void => {
    stats.steps++;
    if (seen[pc] === pos) return;
    seen[pc] = pos;
    const i = code[pc]!;
    switch (i.op) {
      case 'jmp':
        return add(list, i.x, caps, pos);
      case 'split':
        add(list, i.x, caps, pos);
        return add(list, i.y, caps, pos);
      case 'save': {
        if (!caps) return add(list, pc + 1, caps, pos);
        const c = caps.slice();
        c[i.slot] = offs[pos];
        return add(list, pc + 1, c, pos);
      }
      case 'clear': {
        if (!caps) return add(list, pc + 1, caps, pos);
        const c = caps.slice();
        for (let s = i.from; s < i.to; s++) c[s] = undefined;
        return add(list, pc + 1, c, pos);
      }
      case 'not':
        if (tables[i.look]![pos]) return;
        return add(list, pc + 1, caps, pos);
      default:
        list.push({ pc, caps });
    }
  };
  add(clist, 0, slots ? new Array(slots).fill(undefined) : undefined, 0);
  let chunk = stats.steps + STEPS_PER_CHUNK;
  for (let pos = 0; pos < cps.length; pos++) {
    if (stats.steps > chunk) {
      yield;
      chunk = stats.steps + STEPS_PER_CHUNK;
    }
    const cp = cps[pos]!;
    for (const t of clist) {
      stats.steps++;
      if (accepts(code[t.pc]!, cp)) add(nlist, t.pc + 1, t.caps, pos + 1);
    }
    [clist, nlist] = [nlist, []];
    if (clist.length === 0) return null;
  }
  for (const t of clist) if (code[t.pc]!.op === 'match') return t.caps ?? [];
  return null;
}

/** For a reversed look-ahead program: at each position p, 1 if it matches the path from p to the end. */
function* backwardTable(prog: Program, cps: number[], tables: Uint8Array[], stats: MatchStats): Steps<Uint8Array> {
  const code = prog.code;
  const out = new Uint8Array(cps.length + 1);
  const seen = new Int32Array(code.length).fill(-1);
  let clist: number[] = [];
  let nlist: number[] = [];
  const add = (list: number[], pc: number, pos: number): void => {
    stats.steps++;
    if (seen[pc] === pos) return;
    seen[pc] = pos;
    const i = code[pc]!;
    if (i.op === 'jmp') return add(list, i.x, pos);
    if (i.op === 'split') {
      add(list, i.x, pos);
      return add(list, i.y, pos);
    }
    if (i.op === 'save' || i.op === 'clear') return add(list, pc + 1, pos);
    if (i.op === 'not') {
      if (!tables[i.look]![pos]) add(list, pc + 1, pos);
      return;
    }
    if (i.op === 'match') out[pos] = 1;
    else list.push(pc);
  };
  add(clist, 0, cps.length);
  let chunk = stats.steps + STEPS_PER_CHUNK;
  for (let pos = cps.length - 1; pos >= 0 && clist.length > 0; pos--) {
    if (stats.steps > chunk) {
      yield;
      chunk = stats.steps + STEPS_PER_CHUNK;
    }
    const cp = cps[pos]!;
    for (const pc of clist) {
      stats.steps++;
      if (accepts(code[pc]!, cp)) add(nlist, pc + 1, pos);
    }
    [clist, nlist] = [nlist, []];
  }
  return out;
}
