import { describe, expect, test } from 'vitest';
import { DatumLog } from './datum-log.js';

const ids = { pipeline: 'p', job: 'j', datum: 'd' };
const fixed = () => new Date('2030-01-01T00:00:00Z');

describe('a datum log', () => {
  test('output becomes one line per line and stream, whatever the chunking, with the datum named on each', () => {
    const log = new DatumLog(ids, 64 * 1024, fixed);
    log.write('stdout', 'hel');
    log.write('stderr', 'oops\r\n');
    log.write('stdout', 'lo\nwor');
    log.system('try 1 of 3 failed');
    log.write('stdout', 'ld');
    log.end();
    expect(log.lines().map((l) => [l.stream, l.message])).toEqual([
      ['stderr', 'oops'],
      ['stdout', 'hello'],
      ['system', 'try 1 of 3 failed'],
      ['stdout', 'world'],
    ]);
    expect(log.lines()[0]).toMatchObject({ pipeline: 'p', job: 'j', datum: 'd', time: '2030-01-01T00:00:00.000Z' });
  });

  test('the last stderr line is kept for the failure reason', () => {
    const log = new DatumLog(ids);
    log.write('stderr', 'first\nlast words\n\n');
    log.write('stdout', 'not this\n');
    expect(log.lastStderr).toBe('last words');
  });

  test('a noisy datum keeps its first and its last lines within the cap, and says how much it left out', () => {
    const log = new DatumLog(ids, 1000, fixed);
    for (let i = 0; i < 1000; i++) log.write('stdout', `line ${i}\n`);
    const lines = log.lines().map((l) => l.message);
    const kept = lines.filter((m) => m.startsWith('line '));
    expect(kept.reduce((n, m) => n + m.length + 1, 0)).toBeLessThanOrEqual(1000);
    expect(lines[0]).toBe('line 0');
    expect(lines[lines.length - 1]).toBe('line 999');
    const note = lines.find((m) => m.includes('left out'))!;
    expect(note).toMatch(new RegExp(`^${1000 - kept.length} log lines`));
  });
});
