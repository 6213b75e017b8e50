// The worker thread the hash and gear scan threads run on: answers in order,
// a failure rejects the waiting calls, and a thread that exits without an
// error is replaced by the next call instead of being posted to forever.
import { afterEach, describe, expect, it } from 'vitest';
import { WorkerThread } from './worker-thread.js';

// Doubles each number; exits cleanly after answering 1, fails on 'boom'.
const SOURCE = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', (m) => {
  if (m === 'boom') throw new Error('boom');
  parentPort.postMessage({ out: m * 2 });
  if (m === 1) process.exit(0);
});
`;

describe('WorkerThread', () => {
  const threads: WorkerThread[] = [];
  const make = (onGone?: () => void) => {
    const t = new WorkerThread('test worker', SOURCE, undefined, onGone);
    threads.push(t);
    return t;
  };
  afterEach(async () => {
    await Promise.all(threads.splice(0).map((t) => t.close()));
  });

  it('answers calls in the order they were posted', async () => {
    const t = make();
    expect(await Promise.all([t.call(2), t.call(3), t.call(4)])).toEqual([4, 6, 8]);
  });

  it('starts a new thread for the next call after one exited without an error', async () => {
    let gone = 0;
    const t = make(() => gone++);
    expect(await t.call(1)).toBe(2);
    // The exit is seen a moment after the answer: wait for it (bounded, so a thread never dropped fails here).
    for (let i = 0; t.running && i < 2000; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(t.running).toBe(false);
    expect(gone).toBe(1);
    expect(await t.call(5)).toBe(10);
  }, 30_000);

  it('rejects the waiting call and every later one once the thread failed', async () => {
    const t = make();
    await expect(t.call('boom')).rejects.toThrow(/boom/);
    await expect(t.call(2)).rejects.toThrow(/boom/);
  });
});
