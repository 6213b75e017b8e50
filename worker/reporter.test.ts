import { afterEach, describe, expect, test, vi } from 'vitest';
import type { TaskResult } from '../src/client/index.js';
import { silentLogger } from '../src/worker-protocol/index.js';
import { Reporter } from './reporter.js';

const result = (datum: string): TaskResult => ({ job: 'j', datum, success: true, reason: '', durationMs: 1, output: 'o', logs: [], recovered: false, tries: 1 });

describe('batched reports', () => {
  afterEach(() => void vi.useRealTimers());

  test('results wait for the batch to fill or the delay to pass, and go out in order', async () => {
    vi.useFakeTimers();
    const sent: string[][] = [];
    const r = new Reporter(async (rs) => void sent.push(rs.map((x) => x.datum)), silentLogger, 3, 30);
    r.add(result('a'));
    r.add(result('b'));
    expect(sent).toEqual([]);
    r.add(result('c'));
    await r.flush();
    expect(sent).toEqual([['a', 'b', 'c']]);
    r.add(result('d'));
    await vi.advanceTimersByTimeAsync(29);
    expect(sent).toEqual([['a', 'b', 'c']]);
    r.add(result('e'));
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toEqual([['a', 'b', 'c'], ['d', 'e']]);
  });

  test('a failed report is kept and sent again with what came after', async () => {
    const sent: string[][] = [];
    let fail = true;
    const r = new Reporter(
      async (rs) => {
        if (fail) throw new Error('unavailable');
        sent.push(rs.map((x) => x.datum));
      },
      silentLogger,
      10,
      1_000,
    );
    r.add(result('a'));
    await r.flush();
    expect(r.waiting).toBe(1);
    fail = false;
    r.add(result('b'));
    await r.flush();
    r.stop();
    expect(sent).toEqual([['a', 'b']]);
    expect(r.sent).toBe(2);
  });

  test("a result is not sent before its datum's Started call has settled, and the results behind it wait with it", async () => {
    const sent: string[][] = [];
    const r = new Reporter(async (rs) => void sent.push(rs.map((x) => x.datum)), silentLogger, 10, 1_000);
    let told!: () => void;
    const started = new Promise<void>((resolve) => (told = resolve));
    r.add(result('a'), started);
    r.add(result('b'));
    const flushed = r.flush();
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toEqual([]);
    told();
    await flushed;
    r.stop();
    expect(sent).toEqual([['a', 'b']]);
  });

  test('a worker with nothing to run sends its results at once, beside a report the coordinator still holds', async () => {
    // The coordinator holds a report until its outputs' durable point; it starts that point at once only
    // for a report that brings a job's last results, so those must not queue behind the held one.
    const sent: string[][] = [];
    const answers: (() => void)[] = [];
    const r = new Reporter(
      (rs) => {
        sent.push(rs.map((x) => x.datum));
        return new Promise<void>((resolve) => answers.push(resolve));
      },
      silentLogger,
      10,
      3_600_000,
    );
    const turn = () => new Promise((resolve) => setTimeout(resolve, 5));
    r.add(result('a'));
    void r.flush();
    await turn();
    expect(sent).toEqual([['a']]);
    // Busy: a flush waits for the held report.
    r.add(result('b'));
    void r.flush();
    await turn();
    expect(sent).toEqual([['a']]);
    // Idle: the waiting result and a later one go out without waiting for it, or for the delay.
    r.setIdle(true);
    await turn();
    r.add(result('c'));
    await turn();
    expect(sent).toEqual([['a'], ['b'], ['c']]);
    for (const answer of answers.splice(0)) answer();
    await r.flush();
    r.stop();
    expect(r.sent).toBe(3);
  });
});
