import { describe, expect, it } from 'vitest';
import { firstPage, type PageClock } from './first-page.js';

/** A clock whose waits end when the test says (`advance`). */
function fakeClock(): PageClock & { advance(ms: number): void } {
  let now = 0;
  const waits: { at: number; resolve: () => void }[] = [];
  return {
    now: () => now,
    after(ms) {
      let resolve!: () => void;
      const done = new Promise<void>((r) => (resolve = r));
      const w = { at: now + ms, resolve };
      waits.push(w);
      return { done, cancel: () => waits.splice(waits.indexOf(w), 1) };
    },
    advance(ms) {
      now += ms;
      for (const w of [...waits]) if (w.at <= now) w.resolve();
    },
  };
}

async function* from<T>(...batches: T[][]): AsyncIterable<T[]> {
  yield* batches;
}

async function all<T>(it: AsyncIterable<T[]>): Promise<T[][]> {
  const out: T[][] = [];
  for await (const b of it) out.push(b);
  return out;
}

describe('firstPage', () => {
  it('joins a small listing broken at every subfolder into one first message', async () => {
    expect(await all(firstPage(from(['/c.txt', '/in/'], ['/open.txt'], [], ['/z/']), 100, 20, fakeClock()))).toEqual([['/c.txt', '/in/', '/open.txt', '/z/']]);
  });

  it('sends a page of at most `size` items first, then the rest as the source gives it', async () => {
    const one = Array.from({ length: 30 }, (_, i) => i);
    const two = Array.from({ length: 1000 }, (_, i) => 30 + i);
    const got = await all(firstPage(from(one, two, [2000, 2001]), 100, 20, fakeClock()));
    expect(got.map((b) => b.length)).toEqual([100, 930, 2]);
    expect(got.flat()).toEqual([...one, ...two, 2000, 2001]);
  });

  it('goes out with what it has when the source is slow, and loses nothing of what comes later', async () => {
    const clock = fakeClock();
    let release!: () => void;
    const later = new Promise<void>((r) => (release = r));
    async function* slow(): AsyncIterable<string[]> {
      yield ['/a'];
      await later;
      yield ['/b'];
      yield ['/c'];
    }
    const got: string[][] = [];
    const reading = (async () => {
      for await (const b of firstPage(slow(), 100, 20, clock)) got.push(b);
    })();
    await new Promise((r) => setImmediate(r));
    expect(got).toEqual([]); // still within the wait
    clock.advance(20);
    await new Promise((r) => setImmediate(r));
    expect(got).toEqual([['/a']]);
    release();
    await reading;
    expect(got).toEqual([['/a'], ['/b'], ['/c']]);
  });

  it('ends a source its reader leaves early, and sends nothing for an empty one', async () => {
    let stopped = false;
    async function* endless(): AsyncIterable<number[]> {
      try {
        for (let i = 0; ; i++) yield [i];
      } finally {
        stopped = true;
      }
    }
    for await (const b of firstPage(endless(), 100, 20, fakeClock())) {
      expect(b).toEqual(Array.from({ length: 100 }, (_, i) => i));
      break;
    }
    expect(stopped).toBe(true);
    expect(await all(firstPage(from<number>(), 100, 20, fakeClock()))).toEqual([]);
  });
});
