import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatDuration } from '../worker-protocol/duration.js';
import { parseDuration } from './duration.js';

describe('durations', () => {
  it('reads Go and protobuf duration strings as milliseconds', () => {
    expect(parseDuration('60s')).toBe(60_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('300ms')).toBe(300);
    expect(parseDuration('2h45m10.5s')).toBe(9_910_500);
    expect(parseDuration('0')).toBe(0);
    expect(parseDuration('0s')).toBe(0);
  });

  it('rounds a tiny non-zero duration up to 1ms, never down to 0', () => {
    expect(parseDuration('100ns')).toBe(1);
    expect(parseDuration('1500us')).toBe(2);
  });

  it('reads microseconds written with the micro sign or the Greek mu, as Go does', () => {
    expect(parseDuration('2500\u00b5s')).toBe(3); // µs
    expect(parseDuration('2500\u03bcs')).toBe(3); // μs
    expect(parseDuration('1s500\u03bcs')).toBe(1001);
  });

  it('rejects what is not a duration', () => {
    for (const bad of ['5x', '60', '', 'm', '-5s', '1h 30m', 's5', '1.2.3s']) expect(parseDuration(bad), bad).toBeUndefined();
  });

  it('formatDuration and parseDuration round-trip whole milliseconds', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 10 * 86_400_000 }), (ms) => parseDuration(formatDuration(ms)) === ms));
  });
});
