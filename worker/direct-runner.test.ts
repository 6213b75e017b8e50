import { describe, expect, test } from 'vitest';
import { encodeDirectKill, encodeDirectRun, toRunnerExit, type DirectRun } from './direct-runner.js';

const run: DirectRun = { id: 7, argv: ['sh', '-c', 'é'], env: { K: 'v=w' }, cwd: '/t', cwdRequired: true, timeoutMs: 1500, stdin: 'in\n', mark: '\0tusk-end:s:7\0' };

describe('direct runner, pure parts', () => {
  test('a run is its byte length, a newline, then its fields apart by NULs (the mark without its NULs)', () => {
    const body = 'r\x007\0/t\x001\x001500\0tusk-end:s:7\x001\0in\n\x003\0sh\0-c\0é\0K=v=w';
    expect(encodeDirectRun(run)).toBe(`${Buffer.byteLength(body)}\n${body}`);
    expect(encodeDirectRun({ ...run, stdin: null, cwdRequired: false, timeoutMs: 0 })).toContain('r\x007\0/t\x000\x000\0tusk-end:s:7\x000\0\x003\0');
    expect(encodeDirectKill(7)).toBe('3\nk\x007');
  });

  test('a run it cannot take exactly as Node would spawn it goes to the Node runner (no command)', () => {
    expect(encodeDirectRun({ ...run, argv: [] })).toBeUndefined();
    expect(encodeDirectRun({ ...run, argv: ['a\0b'] })).toBeUndefined();
    expect(encodeDirectRun({ ...run, cwd: '/a\0' })).toBeUndefined();
    expect(encodeDirectRun({ ...run, stdin: 'a\0' })).toBeUndefined();
    expect(encodeDirectRun({ ...run, env: { 'A=B': 'c' } })).toBeUndefined();
    expect(encodeDirectRun({ ...run, env: { '': 'c' } })).toBeUndefined();
    expect(encodeDirectRun({ ...run, env: { A: 'c\0' } })).toBeUndefined();
    expect(encodeDirectRun({ ...run, stdin: 'x'.repeat(16 * 1024) })).toBeDefined();
    expect(encodeDirectRun({ ...run, stdin: 'x'.repeat(16 * 1024 + 1) })).toBeUndefined();
  });

  test("its exit frame reads as the Node runner's: a code or a signal, the spawn error, the missing folder", () => {
    const usage = { cpuMs: 3, peakMemoryBytes: 4096 };
    expect(toRunnerExit({ ev: 'exit', id: 1, status: 3 << 8, timedOut: false, usage }, 'sh', '/')).toEqual({ ev: 'exit', id: 1, code: 3, signal: null, timedOut: false, usage });
    expect(toRunnerExit({ ev: 'exit', id: 1, status: 9, timedOut: true }, 'sh', '/')).toEqual({ ev: 'exit', id: 1, code: null, signal: 'SIGKILL', timedOut: true });
    expect(toRunnerExit({ ev: 'exit', id: 1, errno: 2, timedOut: false }, 'nosuch', '/')).toMatchObject({ code: null, signal: null, error: 'spawn nosuch ENOENT' });
    expect(toRunnerExit({ ev: 'exit', id: 1, cwdMissing: true }, 'sh', '/w')).toMatchObject({ code: null, error: 'working directory /w does not exist', timedOut: false });
    expect(toRunnerExit({ ev: 'exit', id: 1, status: 0, heldRetired: true, heldUnmarked: ['stdout'] }, 'sh', '/')).toMatchObject({ code: 0, heldRetired: true, heldUnmarked: ['stdout'] });
    expect(toRunnerExit({ ev: 'exit', id: 1 }, 'sh', '/')).toMatchObject({ code: null, error: 'the direct runner sent an unreadable exit' });
  });
});
