// Timers the pipeline system schedules work with (a job's job_timeout), handed
// in like the clock, so the logic never calls setTimeout itself and tests run
// it on a fake clock (fake-clock.ts) without sleeping.

export interface Timers {
  /** Calls `fn` once, `ms` milliseconds from now; the returned function cancels it. */
  after(ms: number, fn: () => void): () => void;
}

/** The process's own timers: what the daemon hands in. */
export const systemTimers: Timers = {
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
};
