import { describe, expect, it } from 'vitest';
import { StartPacer } from './start-pacer.js';

describe('StartPacer', () => {
  it('lets the first start go at once and spaces the rest by the interval, however many ask at once', async () => {
    let now = 1_000;
    const starts: number[] = [];
    const pacer = new StartPacer(200, { now: () => now, sleep: async (ms) => void starts.push(now + ms) });
    for (let i = 0; i < 5; i++) {
      const before = starts.length;
      await pacer.turn();
      if (starts.length === before) starts.push(now);
    }
    expect(starts).toEqual([1_000, 1_200, 1_400, 1_600, 1_800]);
    now = 5_000; // idle for a while: the next start goes at once
    await pacer.turn();
    expect(starts).toHaveLength(5);
  });
});
