import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TriggerRecord } from './records.js';
import { checkNoCycle, checkTrigger, shouldMove, type TriggerSituation } from './triggers.js';

const trig = (t: Partial<TriggerRecord>): TriggerRecord => ({ branch: 'staging', all: false, cronSpec: '', size: '', commits: 0, ...t });
const T0 = new Date('2026-01-01T00:00:00Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);
const situation = (t: Partial<TriggerRecord>, s: Partial<TriggerSituation> = {}): TriggerSituation => ({
  trigger: trig(t),
  head: { id: 'old', sizeBytes: 100 },
  source: { id: 'new', sizeBytes: 100 },
  newCommits: 1,
  since: T0,
  now: at(1),
  ...s,
});

describe('checkTrigger', () => {
  it('tidies a good trigger', () => {
    expect(checkTrigger('master', trig({ size: ' 1MB ', cronSpec: ' @daily ', commits: 3, all: true }))).toEqual(trig({ size: '1MB', cronSpec: '@daily', commits: 3, all: true }));
  });

  it('refuses bad values, naming the field and the value', () => {
    expect(() => checkTrigger('master', trig({ size: '100XB' }))).toThrow(/size "100XB" is not a size/);
    expect(() => checkTrigger('master', trig({ size: '0KB' }))).toThrow(/size "0KB" must be at least 1 byte/);
    expect(() => checkTrigger('master', trig({ commits: -2 }))).toThrow(/commits "-2" must be a whole number/);
    expect(() => checkTrigger('master', trig({ commits: 1.5 }))).toThrow(/commits "1.5"/);
    expect(() => checkTrigger('master', trig({ cronSpec: 'every day' }))).toThrow(/cronSpec "every day" is not a cron expression/);
    expect(() => checkTrigger('master', trig({ branch: 'master' }))).toThrow(/cannot trigger on itself/);
    expect(() => checkTrigger('master', trig({ branch: 'no/slash' }))).toThrow(/branch "no\/slash" is not a branch name/);
    try {
      checkTrigger('master', trig({ size: '100XB' }));
    } catch (err) {
      expect(err).toMatchObject({ code: 'InvalidTrigger', kind: 'invalid_argument', data: { branch: 'master', field: 'size', value: '100XB' } });
    }
  });
});

describe('checkNoCycle', () => {
  it('refuses a trigger that closes a loop and allows chains', () => {
    const sources = new Map([['b', 'a'], ['c', 'b']]);
    expect(() => checkNoCycle('r', 'a', 'c', sources)).toThrow(/would form a cycle: a <- c <- b <- a/);
    expect(() => checkNoCycle('r', 'a', 'b', new Map([['b', 'a']]))).toThrow(/a <- b <- a/);
    expect(() => checkNoCycle('r', 'd', 'c', sources)).not.toThrow();
    expect(() => checkNoCycle('r', 'b', 'x', sources)).not.toThrow(); // re-pointing b breaks the old chain
  });
});

describe('shouldMove', () => {
  it('never moves when the source has nothing new', () => {
    expect(shouldMove(situation({}, { source: { id: 'old', sizeBytes: 500 } }))).toBe(false);
  });

  it('follows every commit without conditions, and moves an empty branch', () => {
    expect(shouldMove(situation({}))).toBe(true);
    expect(shouldMove(situation({ commits: 2 }, { head: undefined, newCommits: 2 }))).toBe(true);
  });

  it('fires on the Nth commit, not before', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 0, max: 60 }), (n, k) => {
        expect(shouldMove(situation({ commits: n }, { newCommits: k }))).toBe(k >= n);
      }),
    );
  });

  it('fires when the net growth reaches the size', () => {
    expect(shouldMove(situation({ size: '1KB' }, { source: { id: 'new', sizeBytes: 1099 } }))).toBe(false);
    expect(shouldMove(situation({ size: '1KB' }, { source: { id: 'new', sizeBytes: 1100 } }))).toBe(true);
    expect(shouldMove(situation({ size: '1KiB' }, { source: { id: 'new', sizeBytes: 1123 } }))).toBe(false);
    expect(shouldMove(situation({ size: '1KiB' }, { source: { id: 'new', sizeBytes: 1124 } }))).toBe(true);
    expect(shouldMove(situation({ size: '1KB' }, { head: undefined, source: { id: 'new', sizeBytes: 1000 } }))).toBe(true);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: -10_000, max: 20_000 }), (limit, old, now) => {
        const moved = shouldMove(situation({ size: `${limit}B` }, { head: { id: 'old', sizeBytes: old }, source: { id: 'new', sizeBytes: Math.max(0, now) } }));
        expect(moved).toBe(Math.max(0, now) - old >= limit);
      }),
    );
  });

  it('fires once a cron tick has come since the last move', () => {
    expect(shouldMove(situation({ cronSpec: '@every 10s' }, { now: at(9) }))).toBe(false);
    expect(shouldMove(situation({ cronSpec: '@every 10s' }, { now: at(10) }))).toBe(true);
    expect(shouldMove(situation({ cronSpec: '0 * * * *' }, { now: at(3599) }))).toBe(false);
    expect(shouldMove(situation({ cronSpec: '0 * * * *' }, { now: at(3600) }))).toBe(true);
  });

  it('needs any one condition by default and every one with all', () => {
    const some = { commits: 5, size: '1MB', cronSpec: '@every 1h' };
    expect(shouldMove(situation(some, { newCommits: 5 }))).toBe(true);
    expect(shouldMove(situation({ ...some, all: true }, { newCommits: 5 }))).toBe(false);
    expect(shouldMove(situation({ ...some, all: true }, { newCommits: 5, source: { id: 'new', sizeBytes: 1_000_100 }, now: at(3600) }))).toBe(true);
    // all implies any: whatever the situation, a move under "all" is a move under "any".
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 3_000_000 }), fc.integer({ min: 0, max: 7200 }), (k, size, secs) => {
        const s = { newCommits: k, source: { id: 'new', sizeBytes: size }, now: at(secs) };
        if (shouldMove(situation({ ...some, all: true }, s))) expect(shouldMove(situation(some, s))).toBe(true);
      }),
    );
  });
});
