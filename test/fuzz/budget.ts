// How long the fuzzing suite runs, and what it saw. In the normal suite
// (`npm test`) every property gets a few seconds; `npm run fuzz` sets
// TUSK_FUZZ_SECONDS (default 600) for the whole run: the fuzz files run one
// after another, each spending its part, shared among its properties. TUSK_FUZZ_SEED replays one run. Each file
// prints one line per area: inputs tried, crashes (a wrong answer or a daemon
// that fell over), stalls (an answer slower than STALL_MS, or /healthz not
// answering) and the slowest answer seen.
import { appendFileSync } from 'node:fs';

/** Seconds the whole fuzz run takes under `npm run fuzz`; unset in the normal suite. */
export const FUZZ_SECONDS = Number(process.env.TUSK_FUZZ_SECONDS ?? 0);
/** The fuzz files (test/fuzz/*.fuzz.test.ts): each gets this share of FUZZ_SECONDS. */
const FUZZ_FILES = 2;
const LONG = FUZZ_SECONDS > 0;
/** Seconds one fuzz file runs in the normal suite (CI's budget: < 60 s for the whole fuzz suite). */
const CI_SECONDS = 18;
/** An answer slower than this is a stall (generous: the machine is shared and loaded). */
export const STALL_MS = 10_000;

export interface Budget {
  /** fast-check parameters: runs until the time share is used up. */
  params: { numRuns: number; interruptAfterTimeLimit: number; markInterruptAsFailure: false; seed?: number; endOnFailure: true };
  /** The vitest timeout for the test running the property. */
  timeout: number;
}

/** The share (0–1) of this file's time one property gets. */
export function budget(share: number): Budget {
  const ms = Math.round((LONG ? FUZZ_SECONDS / FUZZ_FILES : CI_SECONDS) * 1000 * share);
  const seed = process.env.TUSK_FUZZ_SEED ? Number(process.env.TUSK_FUZZ_SEED) : undefined;
  return {
    params: { numRuns: LONG ? 1_000_000_000 : 100_000, interruptAfterTimeLimit: ms, markInterruptAsFailure: false, endOnFailure: true, ...(seed !== undefined ? { seed } : {}) },
    timeout: ms + 120_000,
  };
}

export class FuzzStats {
  tried = 0;
  crashes = 0;
  stalls = 0;
  worstMs = 0;
  worstInput = '';

  constructor(readonly area: string) {}

  /** Times one request; a slow one counts as a stall. */
  async time<T>(input: string, fn: () => Promise<T>): Promise<T> {
    this.tried++;
    const start = performance.now();
    try {
      return await fn();
    } finally {
      this.saw(performance.now() - start, input);
    }
  }

  saw(ms: number, input: string): void {
    if (ms > this.worstMs) {
      this.worstMs = ms;
      this.worstInput = input.length > 120 ? input.slice(0, 120) + '…' : input;
    }
    if (ms > STALL_MS) this.stalls++;
  }

  line(): string {
    return `fuzz ${this.area}: ${this.tried} inputs, ${this.crashes} crashes, ${this.stalls} stalls, worst ${this.worstMs.toFixed(0)} ms (${JSON.stringify(this.worstInput)})`;
  }

  /** Prints the summary (and appends it to $TUSK_FUZZ_REPORT when set). */
  report(): void {
    console.log(this.line());
    if (process.env.TUSK_FUZZ_REPORT) appendFileSync(process.env.TUSK_FUZZ_REPORT, this.line() + '\n');
  }
}
