import { describe, expect, test } from 'vitest';
import { afterErrCmd, afterTry, failureReason, memoryReason, type RunResult } from './outcome.js';

const exit = (code: number): RunResult => ({ code, signal: null, timedOut: false });
const timedOut: RunResult = { code: null, signal: 'SIGKILL', timedOut: true };
const policy = { datumTries: 3, acceptReturnCode: [7], hasErrCmd: false };

describe('what a run means', () => {
  test('exit 0 and accepted return codes succeed at any try', () => {
    expect(afterTry(exit(0), 1, policy)).toBe('succeed');
    expect(afterTry(exit(7), 3, policy)).toBe('succeed');
  });

  test('a failure is retried until datum_tries runs in all, then fails, or goes to err_cmd when there is one', () => {
    expect(afterTry(exit(1), 1, policy)).toBe('retry');
    expect(afterTry(exit(1), 2, policy)).toBe('retry');
    expect(afterTry(exit(1), 3, policy)).toBe('fail');
    expect(afterTry(timedOut, 3, { ...policy, hasErrCmd: true })).toBe('errCmd');
    expect(afterTry(exit(1), 1, { ...policy, datumTries: 1 })).toBe('fail');
  });

  test('a timeout never counts as success, even with an accepted code', () => {
    expect(afterTry({ code: 0, signal: null, timedOut: true }, 1, policy)).toBe('retry');
  });

  test('err_cmd recovers the datum only by exiting 0', () => {
    expect(afterErrCmd(exit(0))).toBe('recovered');
    expect(afterErrCmd(exit(7))).toBe('fail');
    expect(afterErrCmd({ code: null, signal: null, timedOut: false, error: 'spawn x ENOENT' })).toBe('fail');
  });

  test('the reason names the exit code and the last stderr line, or the time limit', () => {
    expect(failureReason(exit(3), undefined, 'boom')).toBe('exit code 3: boom');
    expect(failureReason(exit(3), undefined, '')).toBe('exit code 3');
    expect(failureReason(timedOut, 5000, 'whatever')).toBe('datum timed out after 5s');
    expect(failureReason(timedOut, 90_000, '')).toBe('datum timed out after 1m30s');
    expect(failureReason({ code: null, signal: 'SIGSEGV', timedOut: false }, undefined, '')).toBe('killed by signal SIGSEGV');
    expect(failureReason({ code: null, signal: null, timedOut: false, error: 'spawn nope ENOENT' }, undefined, '')).toBe('cannot run the command: spawn nope ENOENT');
  });
});

describe('resource_limits.memory in the reason', () => {
  test('a failure that looks like memory running out names the limit; others keep their reason', () => {
    expect(memoryReason(exit(1), 'exit code 1: MemoryError', 'MemoryError', '64Mi')).toBe('out of memory: the code exceeded resource_limits.memory 64Mi (exit code 1: MemoryError)');
    expect(memoryReason({ code: null, signal: 'SIGSEGV', timedOut: false }, 'killed by signal SIGSEGV', '', '64Mi')).toMatch(/^out of memory: .*64Mi/);
    expect(memoryReason(exit(2), 'exit code 2: no such file', 'no such file', '64Mi')).toBe('exit code 2: no such file');
    expect(memoryReason(exit(1), 'exit code 1: MemoryError', 'MemoryError', '')).toBe('exit code 1: MemoryError');
    expect(memoryReason(timedOut, 'datum timed out after 1s', '', '64Mi')).toBe('datum timed out after 1s');
  });
});
