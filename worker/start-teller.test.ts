import { describe, expect, test } from 'vitest';
import type { Task } from '../src/client/index.js';
import { StartTeller } from './start-teller.js';

function task(datum: string, startAhead = true): Task {
  return { job: 'j', datum, inputs: [], try: 1, outputCommit: 'c', startAhead };
}

/**
 * A teller over a queue of tasks (taken from the front as they run), recording the calls the coordinator gets
 * and the running mark's writes, in order.
 */
function setup(queue: Task[], o: { withAhead?: boolean; withMark?: boolean } = {}, group = 3) {
  const calls: string[] = [];
  const api = {
    started: (t: Task) => (calls.push(`alone ${t.datum}`), Promise.resolve()),
    ...((o.withAhead ?? true) ? { startedAhead: (ts: readonly Task[]) => (calls.push(`ahead ${ts.map((t) => t.datum).join(',')}`), Promise.resolve()) } : {}),
  };
  const mark = (o.withMark ?? true) ? { mark: (job: string, datum: string) => void calls.push(`mark ${job}/${datum}`) } : undefined;
  const teller = new StartTeller(api, (max) => queue.slice(0, max), mark, group);
  const run = async (): Promise<void> => {
    const t = queue.shift()!;
    await teller.tell(t);
  };
  return { calls, run };
}

describe('Started for one process per datum', () => {
  test('the datums queued next are told in one message with the first; each is marked as running before its code runs, and sends nothing else', async () => {
    const { calls, run } = setup(['a', 'b', 'c', 'd', 'e'].map((d) => task(d)));
    for (let i = 0; i < 5; i++) await run();
    expect(calls).toEqual(['mark j/a', 'ahead a,b,c', 'mark j/b', 'mark j/c', 'mark j/d', 'ahead d,e', 'mark j/e']);
  });

  test('a datum the coordinator wants told alone is told alone, just before it runs, and ends the group before it', async () => {
    const { calls, run } = setup([task('a'), task('b'), task('c', false), task('d'), task('e')]);
    for (let i = 0; i < 5; i++) await run();
    expect(calls.filter((c) => !c.startsWith('mark'))).toEqual(['ahead a,b', 'alone c', 'ahead d,e']);
  });

  test('without a running mark (a pod) or a startedAhead call (an older daemon), each datum is told alone; so is a last one with nothing queued', async () => {
    const pod = setup([task('a'), task('b')], { withMark: false });
    for (let i = 0; i < 2; i++) await pod.run();
    expect(pod.calls).toEqual(['alone a', 'alone b']);
    const old = setup([task('a'), task('b')], { withAhead: false });
    for (let i = 0; i < 2; i++) await old.run();
    expect(old.calls).toEqual(['mark j/a', 'alone a', 'mark j/b', 'alone b']);
    const last = setup([task('z')]);
    await last.run();
    expect(last.calls).toEqual(['mark j/z', 'alone z']);
  });
});
