// The gateway's streamed writes: at most `limit` at once, the others in
// arrival order, and none held up for longer than the patience.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WriteSlots } from './write-slots.js';

afterEach(() => vi.useRealTimers());

describe('WriteSlots', () => {
  it('runs at most `limit` writes at once and the waiting ones in order', async () => {
    vi.useFakeTimers();
    const slots = new WriteSlots(2, 60_000);
    const started: number[] = [];
    const releases: (() => void)[] = [];
    const takes = [0, 1, 2, 3].map((i) => slots.take().then((release) => (started.push(i), (releases[i] = release))));
    await vi.advanceTimersByTimeAsync(0);
    expect(started).toEqual([0, 1]);
    releases[1]!();
    releases[1]!(); // a second call gives back nothing more
    await vi.advanceTimersByTimeAsync(0);
    expect(started).toEqual([0, 1, 2]);
    releases[0]!();
    await Promise.all(takes);
    expect(started).toEqual([0, 1, 2, 3]);
  });

  it('lets a write go ahead after waiting `patience` ms (a stalled client holds no one up for longer)', async () => {
    vi.useFakeTimers();
    const slots = new WriteSlots(1, 1000);
    const stalled = await slots.take();
    let started = false;
    const waiting = slots.take().then((release) => ((started = true), release));
    await vi.advanceTimersByTimeAsync(999);
    expect(started).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(started).toBe(true);
    (await waiting)();
    stalled();
    // Both gave their slots back: the next one runs at once.
    const next = slots.take();
    await vi.advanceTimersByTimeAsync(0);
    await expect(next).resolves.toBeTypeOf('function');
  });
});
