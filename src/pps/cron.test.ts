import { describe, expect, it } from 'vitest';
import { missedTicks, nextTick, tickName } from './cron.js';

const t = (iso: string) => new Date(iso);

describe('nextTick', () => {
  it('follows @every from its anchor', () => {
    expect(nextTick('@every 10s', t('2026-01-01T00:00:05Z'), t('2026-01-01T00:00:00Z')).toISOString()).toBe('2026-01-01T00:00:10.000Z');
    expect(nextTick('@every 1m', t('2026-01-01T00:00:00Z')).toISOString()).toBe('2026-01-01T00:01:00.000Z');
  });
  it('reads cron expressions and macros in UTC', () => {
    expect(nextTick('*/10 * * * *', t('2026-01-01T00:03:00Z')).toISOString()).toBe('2026-01-01T00:10:00.000Z');
    expect(nextTick('@daily', t('2026-01-01T13:00:00Z')).toISOString()).toBe('2026-01-02T00:00:00.000Z');
    expect(nextTick('@hourly', t('2026-01-01T13:00:00Z')).toISOString()).toBe('2026-01-01T14:00:00.000Z');
  });
});

describe('tick names and missed ticks', () => {
  it('names a tick in RFC 3339, whole seconds, UTC', () => {
    expect(tickName(new Date('2026-12-06T05:39:00.000Z'))).toBe('2026-12-06T05:39:00Z');
  });

  it('lists the ticks missed since cron.start, or since the last tick, bounded', () => {
    const start = new Date('2026-12-06T05:00:00Z');
    const now = new Date('2026-12-06T05:03:30Z');
    expect(missedTicks('@every 1m', start, undefined, now, 100).map(tickName)).toEqual(['2026-12-06T05:00:00Z', '2026-12-06T05:01:00Z', '2026-12-06T05:02:00Z', '2026-12-06T05:03:00Z']);
    expect(missedTicks('@every 1m', start, new Date('2026-12-06T05:02:00Z'), now, 100).map(tickName)).toEqual(['2026-12-06T05:03:00Z']);
    expect(missedTicks('*/2 * * * *', start, undefined, now, 1).map(tickName)).toEqual(['2026-12-06T05:02:00Z']);
    expect(missedTicks('@every 1m', new Date('2026-12-07T00:00:00Z'), undefined, now, 100)).toEqual([]);
  });
});
