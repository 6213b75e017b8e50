// Backoff and retry decisions, without waiting: the clock and the dice are fakes.
import { describe, expect, it } from 'vitest';
import { backoffDelay, withRetries, type RetryPolicy } from './retry.js';

function policy(overrides: Partial<RetryPolicy> = {}): RetryPolicy & { waits: number[] } {
  const waits: number[] = [];
  return { attempts: 4, baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.5, sleep: async (ms) => void waits.push(ms), waits, ...overrides };
}

describe('withRetries', () => {
  it('retries transient failures with doubling, jittered, capped waits', async () => {
    const p = policy({ attempts: 6 });
    let calls = 0;
    const result = await withRetries(p, async () => {
      if (++calls < 6) throw new Error('busy');
      return 'done';
    }, () => true, (err) => err as Error);
    expect(result).toBe('done');
    expect(p.waits).toEqual([50, 100, 200, 400, 500]); // half of 100, 200, 400, 800, then the 1000 cap
  });

  it('gives up after the last try with what giveUp says', async () => {
    const p = policy();
    let calls = 0;
    const err = await withRetries(p, async () => {
      calls++;
      throw new Error('still busy');
    }, () => true, (e, tries) => new Error(`gave up after ${tries}: ${(e as Error).message}`)).catch((e: Error) => e);
    expect(calls).toBe(4);
    expect((err as Error).message).toBe('gave up after 4: still busy');
  });

  it('does not retry what is not transient', async () => {
    const p = policy();
    let calls = 0;
    const boom = new Error('denied');
    await expect(withRetries(p, async () => {
      calls++;
      throw boom;
    }, () => false, () => new Error('not this'))).rejects.toBe(boom);
    expect(calls).toBe(1);
    expect(p.waits).toEqual([]);
  });

  it('spreads waits over the whole window (full jitter)', () => {
    expect(backoffDelay(policy({ random: () => 0 }), 3)).toBe(0);
    expect(backoffDelay(policy({ random: () => 0.999 }), 3)).toBe(399);
  });
});
