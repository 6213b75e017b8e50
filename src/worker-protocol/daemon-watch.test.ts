import { describe, expect, test } from 'vitest';
import { DaemonWatch } from './daemon-watch.js';

describe('DaemonWatch', () => {
  test('the daemon counts as gone only after failing for longer than the grace period without a success in between', () => {
    let now = 0;
    const watch = new DaemonWatch(30_000, () => now);
    expect(watch.unreachable()).toBe(false);
    now = 20_000;
    expect(watch.unreachable()).toBe(false);
    watch.reached();
    now = 45_000;
    expect(watch.unreachable()).toBe(false); // the clock restarted at the first failure after the success
    now = 75_000;
    expect(watch.unreachable()).toBe(false);
    now = 75_001;
    expect(watch.unreachable()).toBe(true);
  });
});
