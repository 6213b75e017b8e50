import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { processStartTicks, startTicksOf } from './process-start.js';

describe('a process start time', () => {
  it('is read past a command name holding spaces and parentheses', () => {
    const rest = Array.from({ length: 50 }, (_, i) => String(i + 3)).join(' ');
    expect(startTicksOf(`123 (a) b (c)) ${rest}`)).toBe('22');
    expect(startTicksOf('123 (short) S 1')).toBeUndefined();
  });

  it('is read for this process and a child, and is unknown once the pid is gone', async () => {
    const own = processStartTicks('self');
    expect(own).toMatch(/^\d+$/);
    expect(processStartTicks(process.pid)).toBe(own);
    const child = spawn('sleep', ['5']);
    await new Promise((r) => child.once('spawn', r));
    const childTicks = processStartTicks(child.pid!);
    expect(Number(childTicks)).toBeGreaterThanOrEqual(Number(own));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(processStartTicks(child.pid!)).toBeUndefined();
  });
});
