// Datums whose output is still being uploaded: at most `max` at once, so a
// fast producer waits instead of piling up work; drain() waits for all.

export class InFlight {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly max = 16) {}

  add(p: Promise<void>): void {
    const tracked = p.catch(() => {}).finally(() => this.running.delete(tracked));
    this.running.add(tracked);
  }

  /** Resolves once fewer than `max` are running. */
  async room(): Promise<void> {
    while (this.running.size >= this.max) await Promise.race(this.running);
  }

  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.race(this.running);
  }
}
