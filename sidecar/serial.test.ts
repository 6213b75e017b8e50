import { describe, expect, test } from 'vitest';
import { KeyedSerial, Limit } from './serial.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('KeyedSerial', () => {
  test('tasks sharing a key run in arrival order, one at a time, even when an earlier one fails', async () => {
    const s = new KeyedSerial();
    const events: string[] = [];
    const task = (name: string, ms: number, fail = false) => async () => {
      events.push(`start ${name}`);
      await tick(ms);
      events.push(`end ${name}`);
      if (fail) throw new Error(name);
      return name;
    };
    const a = s.run(['slot:1'], task('a', 20, true));
    const b = s.run(['slot:1', 'pfs'], task('b', 1));
    const c = s.run(['pfs'], task('c', 1));
    await expect(a).rejects.toThrow('a');
    expect(await b).toBe('b');
    expect(await c).toBe('c');
    expect(events).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  test('tasks on different keys overlap', async () => {
    const s = new KeyedSerial();
    const events: string[] = [];
    await Promise.all([
      s.run(['x'], async () => (events.push('x1'), await tick(20), events.push('x2'))),
      s.run(['y'], async () => (events.push('y1'), await tick(1), events.push('y2'))),
    ]);
    expect(events).toEqual(['x1', 'y1', 'y2', 'x2']);
  });
});

describe('Limit', () => {
  test('never runs more than its maximum at once, and runs everything', async () => {
    const limit = new Limit(3);
    let active = 0;
    let peak = 0;
    const done = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        limit.run(async () => {
          active++;
          peak = Math.max(peak, active);
          await tick(i % 3);
          active--;
          return i;
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(done).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });
});
