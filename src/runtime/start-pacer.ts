// Starting worker processes at a bounded rate: each start waits its turn, at
// least `intervalMs` after the one before, so a pipeline asking for many
// workers (or many pipelines at once after a restart) never forks a storm of
// processes. The clock and the wait are handed in (tests use fake ones).

export interface PacerClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const REAL_CLOCK: PacerClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export class StartPacer {
  private next = 0;

  constructor(private readonly intervalMs: number, private readonly clock: PacerClock = REAL_CLOCK) {}

  /** Resolves when the caller may start one process. */
  async turn(): Promise<void> {
    const now = this.clock.now();
    const at = Math.max(now, this.next);
    this.next = at + this.intervalMs;
    if (at > now) await this.clock.sleep(at - now);
  }
}
