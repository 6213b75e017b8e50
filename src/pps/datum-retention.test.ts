import { describe, expect, test } from 'vitest';
import { decideRetention, jobsToRead, type RetentionJob, type RetentionResult } from './datum-retention.js';
import { FakeClock } from './fake-clock.js';

const HOUR = 3600_000;
const rule = { keepJobs: 2, keepAgeMs: 24 * HOUR };

function job(id: string, seq: number, datums: string[], branch = 'master', finished = true): RetentionJob {
  return { pipeline: 'p', id, branch, seq, finished, datums };
}
function result(datum: string, job: string, recorded: string): RetentionResult {
  return { pipeline: 'p', datum, job, recorded };
}
const kept = (d: { keep: RetentionResult[] }) => d.keep.map((r) => r.datum).sort();

describe('datum result retention', () => {
  const clock = new FakeClock(Date.parse('2026-03-01T00:00:00Z'));
  const t0 = clock.now().toISOString();
  // j1 used d1, d2; j2 used d2, d3; j3 used d3, d4 (newest on master); e1 on branch exp used d1.
  const jobs = [job('j1', 1, ['d1', 'd2']), job('j2', 2, ['d2', 'd3']), job('j3', 3, ['d3', 'd4']), job('e1', 4, ['d1'], 'exp')];
  const results = [result('d1', 'j1', t0), result('d2', 'j1', t0), result('d3', 'j2', t0), result('d4', 'j3', t0), result('d9', 'gone', t0)];

  test('everything stays while younger than the age limit', () => {
    expect(kept(decideRetention(rule, clock.now(), jobs, results))).toEqual(['d1', 'd2', 'd3', 'd4', 'd9']);
  });

  test('once old, only results the newest N jobs of some branch used stay', () => {
    clock.advance(25 * HOUR);
    const d = decideRetention(rule, clock.now(), jobs, results);
    // master's newest two (j3, j2) used d2, d3, d4; exp's e1 used d1; nobody uses d9.
    expect(kept(d)).toEqual(['d1', 'd2', 'd3', 'd4']);
    expect(d.drop.map((r) => r.datum)).toEqual(['d9']);
    expect(kept(decideRetention({ ...rule, keepJobs: 1 }, clock.now(), jobs, results))).toEqual(['d1', 'd3', 'd4']);
  });

  test('an unfinished job keeps what it uses, however old and however many jobs came after', () => {
    const running = [job('j0', 0, ['d9'], 'master', false), ...jobs];
    expect(kept(decideRetention({ ...rule, keepJobs: 1 }, clock.now(), running, results))).toEqual(['d1', 'd3', 'd4', 'd9']);
  });

  test("a result from before the rule counts from its job's time, and as old when that is unknown", () => {
    const old = [{ pipeline: 'p', datum: 'x', job: 'j1' }, { pipeline: 'p', datum: 'y', job: 'j7' }];
    const recent = new Date(clock.now().getTime() - HOUR).toISOString();
    const d = decideRetention(rule, clock.now(), [], old, (_p, j) => (j === 'j1' ? recent : undefined));
    expect(kept(d)).toEqual(['x']);
    expect(d.drop.map((r) => r.datum)).toEqual(['y']);
  });

  test('only the newest N jobs per branch and the unfinished ones are read', () => {
    expect(jobsToRead(rule, [...jobs, job('j0', 0, [], 'master', false)]).map((j) => j.id).sort()).toEqual(['e1', 'j0', 'j2', 'j3']);
  });
});
