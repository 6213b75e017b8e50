import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { decodeRunningMark, encodeRunningMark, readRunningMark, RunningMark } from './running-mark.js';

describe('the running mark', () => {
  test('names the datum last marked, over a longer mark written before it; a cleared, missing or torn mark names none', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tusk-mark-'));
    try {
      const path = join(dir, 'running');
      expect(readRunningMark(path)).toBeUndefined();
      const mark = RunningMark.open(path);
      mark.mark('job1', 'a'.repeat(64));
      expect(readRunningMark(path)).toEqual({ job: 'job1', datum: 'a'.repeat(64) });
      mark.mark('j2', 'b');
      expect(readRunningMark(path)).toEqual({ job: 'j2', datum: 'b' });
      mark.clear();
      expect(readRunningMark(path)).toBeUndefined();
      mark.close();
      // Opened again (a new worker in the same folder), it starts empty.
      RunningMark.open(path).close();
      expect(readRunningMark(path)).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a mark cut short before its newline, or without a job or datum, names none', () => {
    expect(decodeRunningMark(encodeRunningMark('j', 'd'))).toEqual({ job: 'j', datum: 'd' });
    expect(decodeRunningMark('j/dat')).toBeUndefined();
    expect(decodeRunningMark('/d\n')).toBeUndefined();
    expect(decodeRunningMark('j/\n')).toBeUndefined();
    expect(decodeRunningMark('')).toBeUndefined();
  });
});
