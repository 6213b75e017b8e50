// A lazily built DFA over a glob machine's program, for yes/no matching: each
// state is the set of program positions alive after some input, built the
// first time it is reached and then reused, so a long name costs one map
// look-up per character instead of one step per alive thread. The cache is
// bounded (MAX_STATES); when full it is dropped and rebuilt as needed, so
// the cost stays linear in the path's length with the NFA's bound as the worst
// case. Programs with look-aheads (`!(…)`) are not run here: what they accept
// at a position depends on the rest of the path.
import { STEPS_PER_CHUNK, type MatchStats, type Steps } from './glob-steps.js';

export type DfaInst =
  | { op: 'char'; cp: number }
  | { op: 'seg' }
  | { op: 'any' }
  | { op: 'class'; neg: boolean; ranges: number[] }
  | { op: 'split'; x: number; y: number }
  | { op: 'jmp'; x: number }
  | { op: 'save'; slot: number }
  | { op: 'clear'; from: number; to: number }
  | { op: 'not'; look: number }
  | { op: 'match' };

const MAX_STATES = 4096;

interface State {
  pcs: number[];
  accepting: boolean;
  next: Map<number, State>;
}

export class LazyDfa {
  private states = new Map<string, State>();
  private start: State;

  constructor(
    private readonly code: DfaInst[],
    private readonly accepts: (i: DfaInst, cp: number) => boolean,
  ) {
    this.start = this.state(this.closure([0]));
  }

  *test(path: string, stats: MatchStats): Steps<boolean> {
    let s = this.start;
    let chunk = stats.steps + STEPS_PER_CHUNK;
    for (let i = 0; i < path.length; ) {
      if (stats.steps > chunk) {
        yield;
        chunk = stats.steps + STEPS_PER_CHUNK;
      }
      const cp = path.codePointAt(i)!;
      i += cp > 0xffff ? 2 : 1;
      stats.steps++;
      let n = s.next.get(cp);
      if (!n) {
        if (this.states.size >= MAX_STATES) this.reset();
        const moved: number[] = [];
        for (const pc of s.pcs) {
          stats.steps++;
          if (this.accepts(this.code[pc]!, cp)) moved.push(pc + 1);
        }
        n = this.state(this.closure(moved, stats));
        s.next.set(cp, n);
      }
      if (n.pcs.length === 0) return false;
      s = n;
    }
    return s.accepting;
  }

  private reset(): void {
    this.states = new Map();
    this.start = this.state(this.start.pcs);
  }

  private state(pcs: number[]): State {
    const key = pcs.join(',');
    let s = this.states.get(key);
    if (!s) {
      s = { pcs, accepting: pcs.some((pc) => this.code[pc]!.op === 'match'), next: new Map() };
      this.states.set(key, s);
    }
    return s;
  }

  /** The consuming (and match) positions reachable from `pcs` without input, in priority order. */
  private closure(pcs: number[], stats?: MatchStats): number[] {
    const seen = new Set<number>();
    const out: number[] = [];
    const stack = [...pcs].reverse();
    while (stack.length > 0) {
      const pc = stack.pop()!;
      if (stats) stats.steps++;
      if (seen.has(pc)) continue;
      seen.add(pc);
      const i = this.code[pc]!;
      if (i.op === 'jmp') stack.push(i.x);
      else if (i.op === 'split') stack.push(i.y, i.x);
      else if (i.op === 'save' || i.op === 'clear') stack.push(pc + 1);
      else if (i.op !== 'not') out.push(pc);
    }
    return out;
  }
}
