import { describe, expect, it } from 'vitest';
import { nextTick } from './cron.js';

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
