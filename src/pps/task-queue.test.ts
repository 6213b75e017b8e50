import { describe, expect, it } from 'vitest';
import { TaskQueue, type DatumTask } from './task-queue.js';

const task = (datum: string, version = 1): DatumTask => ({ pipeline: 'p', job: 'j', datum, inputs: [], outputCommit: 'j', version, attempts: 0 });

describe('TaskQueue', () => {
  it('hands out a batch of one pipeline version only, so a worker never runs one version\'s datum with another\'s code', async () => {
    const q = new TaskQueue();
    q.push('p', [task('a', 1), task('b', 1), task('c', 2), task('d', 1)]);
    expect((await q.take('p', 'w', 10, 0)).map((t) => t.datum)).toEqual(['a', 'b']);
    expect((await q.take('p', 'w', 10, 0)).map((t) => t.datum)).toEqual(['c']);
    expect((await q.take('p', 'w', 10, 0)).map((t) => t.datum)).toEqual(['d']);
  });

  it('hands tasks out in batches and gives a lost worker’s leases back', async () => {
    const q = new TaskQueue();
    q.push('p', [task('a'), task('b'), task('c')]);
    expect((await q.take('p', 'w1', 2, 0)).map((t) => t.datum)).toEqual(['a', 'b']);
    const back = q.releaseWorker('w1');
    expect(back.map((l) => l.task.datum)).toEqual(['a', 'b']);
    q.push('p', back.map((l) => l.task), true);
    expect((await q.take('p', 'w2', 10, 0)).map((t) => t.datum)).toEqual(['a', 'b', 'c']);
  });

  it('counts an attempt only for a task its worker started; tasks fetched ahead come back untouched', async () => {
    const q = new TaskQueue();
    q.push('p', [task('a'), task('b'), task('c')]);
    await q.take('p', 'w1', 3, 0);
    expect(q.start('w1', 'j', 'a')).toBe(true);
    expect(q.start('w1', 'j', 'a')).toBe(false);
    expect(q.start('w2', 'j', 'b')).toBe(false);
    const back = q.releaseWorker('w1');
    expect(back.map((l) => [l.task.datum, l.started, l.task.attempts])).toEqual([['a', true, 1], ['b', false, 0], ['c', false, 0]]);
  });

  it('counts an attempt for a task started ahead, which a later start of it does not count again, and starts alone a task that must be', async () => {
    const q = new TaskQueue();
    q.push('p', [task('a'), task('b'), { ...task('c'), startAlone: true }]);
    await q.take('p', 'w1', 3, 0);
    expect(q.startAhead('w1', 'j', 'a')).toBe(true);
    expect(q.startAhead('w1', 'j', 'b')).toBe(true);
    expect(q.startAhead('w1', 'j', 'c')).toBe(true);
    expect(q.startAhead('w1', 'j', 'a')).toBe(false);
    expect(q.start('w1', 'j', 'b')).toBe(true);
    expect(q.start('w1', 'j', 'b')).toBe(false);
    const back = q.releaseWorker('w1');
    expect(back.map((l) => [l.task.datum, l.started, l.ahead, l.task.attempts])).toEqual([['a', true, true, 1], ['b', true, false, 1], ['c', true, false, 1]]);
  });

  it('never leases to a worker that was lost while it waited, even if tasks arrive first', async () => {
    const q = new TaskQueue();
    const waiting = q.take('p', 'dead', 5, 10_000);
    q.releaseWorker('dead');
    q.push('p', [task('a')]);
    expect(await waiting).toEqual([]);
    expect(await q.take('p', 'dead', 5, 0)).toEqual([]);
    expect((await q.take('p', 'alive', 5, 0)).map((t) => t.datum)).toEqual(['a']);
  });

  it('gives no task to any worker of a lost prefix (a gone pod), even one that never asked before', async () => {
    const q = new TaskQueue();
    q.losePrefix('pod-a/');
    q.push('p', [task('a')]);
    expect(await q.take('p', 'pod-a/late', 5, 0)).toEqual([]);
    const waiting = q.take('p', 'pod-ab/1', 5, 0);
    expect((await waiting).map((t) => t.datum)).toEqual(['a']);
  });

  it('gives a worker only the versions it accepts, keeping the others in their places, and wakes it when one arrives', async () => {
    const q = new TaskQueue();
    q.push('p', [task('a', 1), task('b', 2), task('c', 1), task('d', 2)]);
    const onlyTwo = (v: number) => v === 2;
    expect((await q.take('p', 'w2', 10, 0, undefined, onlyTwo)).map((t) => t.datum)).toEqual(['b', 'd']);
    expect(await q.take('p', 'w2', 10, 0, undefined, onlyTwo)).toEqual([]);
    const waiting = q.take('p', 'w2', 10, 10_000, undefined, onlyTwo);
    q.push('p', [task('e', 1), task('f', 2)]);
    expect((await waiting).map((t) => t.datum)).toEqual(['f']);
    expect((await q.take('p', 'w1', 10, 0)).map((t) => t.datum)).toEqual(['a', 'c', 'e']);
  });

  it('wakes a waiting worker when tasks arrive and ends the wait on abort', async () => {
    const q = new TaskQueue();
    const waiting = q.take('p', 'w', 5, 10_000);
    q.push('p', [task('x')]);
    expect((await waiting).map((t) => t.datum)).toEqual(['x']);
    const abort = new AbortController();
    const idle = q.take('p', 'w', 5, 10_000, abort.signal);
    abort.abort();
    expect(await idle).toEqual([]);
  });
});
