// The durable point of datum outputs, shared by the reports that need it
// (group commit). A successful result is recorded only once the output it
// points at is durable (DatumOutputStore.durable(): a pack sealed and synced,
// its index written). Workers report every fraction of a second while datums
// go fast, and a durable point per report cost more than the datums
// themselves; so a report that comes less than `gapMs` after the last durable
// point began waits for the next one, and every report that comes meanwhile
// shares it. A report that finishes a job (`hurry`) starts the waiting point
// at once, so a job's last results never wait. Nothing is recorded before its
// output is durable; a crash meanwhile loses only results not yet recorded,
// whose datums then simply run again.
import type { Timers } from './timers.js';

export class DurablePoint {
  /** The point not begun yet: reports arriving now join it. */
  private next: { reached: Promise<void>; begin: () => void } | undefined;
  /** When the last point began (ms, from `now`). */
  private lastBegan = -Infinity;

  constructor(
    private readonly makeDurable: () => Promise<void>,
    private readonly timers: Timers,
    private readonly now: () => number,
    private readonly gapMs: number,
  ) {}

  /** Resolves once everything stored before the call is durable; rejects if making it durable failed. */
  reach(): Promise<void> {
    if (this.next) return this.next.reached;
    let begin!: () => void;
    const begun = new Promise<void>((resolve) => (begin = resolve));
    const wait = this.lastBegan + this.gapMs - this.now();
    const cancel = wait > 0 ? this.timers.after(wait, begin) : undefined;
    if (!cancel) begin();
    const reached = begun.then(() => {
      cancel?.();
      // Reports from now on need what they stored since: a point of their own.
      this.next = undefined;
      this.lastBegan = this.now();
      return this.makeDurable();
    });
    this.next = { reached, begin };
    return reached;
  }

  /** Starts the waiting point now (a job's last results are in it). */
  hurry(): void {
    this.next?.begin();
  }
}
