import { describe, expect, it } from 'vitest';
import { cronProblem, nextTick, parseEvery } from './trigger-cron.js';

const t = (iso: string) => new Date(iso);

describe('trigger cron specs', () => {
  it('accepts cron expressions, macros and @every', () => {
    for (const ok of ['0 * * * *', '*/10 * * * *', '* * * * * *', '@daily', '@hourly', '@every 1s', '@every 1h30m', '@every 1.5s']) expect(cronProblem(ok), ok).toBeUndefined();
  });

  it('names what is wrong with a bad spec', () => {
    expect(cronProblem('* * *')).toMatch(/5 fields/);
    expect(cronProblem('bogus')).toMatch(/not a cron expression/);
    expect(cronProblem('61 * * * *')).toMatch(/not a cron expression/);
    expect(cronProblem('@every')).toMatch(/positive duration/);
    expect(cronProblem('@every 0s')).toMatch(/positive duration/);
    expect(cronProblem('@every soon')).toMatch(/positive duration/);
    expect(cronProblem('@sometimes')).toMatch(/not a cron expression/);
  });

  it('finds the next tick in UTC, @every counted from the given moment', () => {
    expect(nextTick('@every 10s', t('2026-01-01T00:00:05Z')).toISOString()).toBe('2026-01-01T00:00:15.000Z');
    expect(nextTick('0 * * * *', t('2026-01-01T00:00:00Z')).toISOString()).toBe('2026-01-01T01:00:00.000Z');
    expect(nextTick('@daily', t('2026-01-01T13:00:00Z')).toISOString()).toBe('2026-01-02T00:00:00.000Z');
    expect(nextTick('* * * * * *', t('2026-01-01T00:00:00.500Z')).toISOString()).toBe('2026-01-01T00:00:01.000Z');
    expect(parseEvery('1h30m')).toBe(5_400_000);
    expect(parseEvery('250ms')).toBe(250);
  });
});
