// Retrying a remote call: exponential backoff with full jitter, for errors the
// caller classifies as transient. The clock and the dice are passed in so tests
// run without waiting.

export interface RetryPolicy {
  /** Total tries, the first included (default 5). */
  attempts: number;
  /** Upper bound of the first wait; doubles after every failed try (default 100 ms). */
  baseDelayMs: number;
  /** Cap on any single wait (default 5 s). */
  maxDelayMs: number;
  sleep: (ms: number) => Promise<void>;
  /** A number in [0, 1): the jitter. */
  random: () => number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 100,
  maxDelayMs: 5000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/** How long to wait after failed try number `attempt` (1-based): uniform in [0, min(max, base * 2^(attempt-1))). */
export function backoffDelay(policy: RetryPolicy, attempt: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(policy.random() * ceiling);
}

/**
 * Runs `fn` until it succeeds, it throws an error `isTransient` rejects, or the
 * tries run out; then `giveUp(lastError, tries)` says what to throw.
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  fn: () => Promise<T>,
  isTransient: (err: unknown) => boolean,
  giveUp: (err: unknown, tries: number) => Error,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isTransient(err)) throw err;
      if (attempt >= policy.attempts) throw giveUp(err, attempt);
      await policy.sleep(backoffDelay(policy, attempt));
    }
  }
}
