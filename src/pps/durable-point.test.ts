import { describe, expect, it } from 'vitest';
import { DurablePoint } from './durable-point.js';
import { FakeClock } from './fake-clock.js';

function point(gapMs: number) {
  const clock = new FakeClock();
  const calls: number[] = [];
  const p = new DurablePoint(
    async () => {
      calls.push(clock.now().getTime());
    },
    clock,
    () => clock.now().getTime(),
    gapMs,
  );
  return { clock, calls, p };
}

const settled = async (promise: Promise<unknown>) => {
  let done = false;
  void promise.then(() => (done = true));
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return done;
};

describe('DurablePoint', () => {
  it('makes the first report durable at once, and each one with no gap', async () => {
    const { calls, p } = point(0);
    await p.reach();
    await p.reach();
    expect(calls.length).toBe(2);
  });

  it('has reports within the gap wait for one shared point, which begins when the gap has passed', async () => {
    const { clock, calls, p } = point(1000);
    await p.reach();
    clock.advance(200);
    const a = p.reach();
    clock.advance(300);
    const b = p.reach();
    expect(await settled(a)).toBe(false);
    expect(calls.length).toBe(1);
    clock.advance(499);
    expect(await settled(b)).toBe(false);
    clock.advance(1);
    await Promise.all([a, b]);
    expect(calls.length).toBe(2);
  });

  it('begins the waiting point at once when hurried (a job\'s last results)', async () => {
    const { calls, p } = point(1000);
    await p.reach();
    const a = p.reach();
    p.hurry();
    await a;
    expect(calls.length).toBe(2);
  });

  it('gives a report that comes after a point began a point of its own', async () => {
    let release!: () => void;
    const clock = new FakeClock();
    let n = 0;
    const p = new DurablePoint(() => (++n === 1 ? new Promise<void>((r) => (release = r)) : Promise.resolve()), clock, () => clock.now().getTime(), 1000);
    const first = p.reach();
    await Promise.resolve();
    await Promise.resolve();
    const second = p.reach();
    expect(second).not.toBe(first);
    release();
    await first;
    expect(await settled(second)).toBe(false);
    clock.advance(1000);
    await second;
    expect(n).toBe(2);
  });

  it('rejects every report sharing a point that failed', async () => {
    const clock = new FakeClock();
    const p = new DurablePoint(() => Promise.reject(new Error('disk full')), clock, () => clock.now().getTime(), 0);
    await expect(p.reach()).rejects.toThrow('disk full');
  });
});
