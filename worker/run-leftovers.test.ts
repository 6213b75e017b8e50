import { describe, expect, test } from 'vitest';
import { leftovers, type ProcEntry } from './run-leftovers.js';

const SELF = 2;
const p = (pid: number, pgid: number, state = 'S'): ProcEntry => ({ pid, pgid, state });

describe('leftovers', () => {
  const none = new Set<number>();
  const holdsNothing = () => false;

  test('none once the ended group is gone, whatever the runner, init, zombies and other runs are', () => {
    expect(leftovers([p(1, 1), p(SELF, 1), p(9, 40, 'Z'), p(12, 30)], SELF, 40, new Set([30]), () => undefined)).toBe('none');
  });

  test('wait while a process of the ended group still lives', () => {
    expect(leftovers([p(SELF, 1), p(41, 40, 'R')], SELF, 40, none, holdsNothing)).toBe('wait');
  });

  test('a process that left the group: wait while it holds the pipes, none when it does not, unknown when that cannot be read', () => {
    expect(leftovers([p(50, 50)], SELF, 40, none, (pid) => pid === 50)).toBe('wait');
    expect(leftovers([p(50, 50)], SELF, 40, none, holdsNothing)).toBe('none');
    expect(leftovers([p(50, 50), p(41, 40)], SELF, 40, none, () => undefined)).toBe('unknown');
  });
});
