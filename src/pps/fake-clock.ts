// A clock and timers that move only when a test says so: now() reads the fake
// time, after() queues a callback, and advance() moves time forward, firing
// every callback that came due, in time order. For tests of timeouts without
// sleeping.
import type { Timers } from './timers.js';

export class FakeClock implements Timers {
  private time: number;
  private readonly pending: { at: number; seq: number; fn: () => void }[] = [];
  private seq = 0;

  constructor(start = Date.parse('2026-01-01T00:00:00Z')) {
    this.time = start;
  }

  now(): Date {
    return new Date(this.time);
  }

  after(ms: number, fn: () => void): () => void {
    const timer = { at: this.time + ms, seq: this.seq++, fn };
    this.pending.push(timer);
    return () => {
      const i = this.pending.indexOf(timer);
      if (i >= 0) this.pending.splice(i, 1);
    };
  }

  /** Timers not fired or cancelled yet. */
  get waiting(): number {
    return this.pending.length;
  }

  /** Moves the time `ms` forward, firing what comes due on the way. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      this.pending.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.pending[0];
      if (!next || next.at > end) break;
      this.pending.shift();
      this.time = next.at;
      next.fn();
    }
    this.time = end;
  }
}
