import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ReapedCpu, UsageMeter } from './usage.js';

describe('UsageMeter', () => {
  it('measures what the process itself says it used: its CPU time and its peak resident memory', async () => {
    // ~150 MB held for a while, and a fixed amount of computing; then the process reports its own figures.
    const script = `const b = Buffer.alloc(150e6, 1); let x = 0; for (let i = 0; i < 2e8; i++) x += i;
      setTimeout(() => { const c = process.cpuUsage(); process.stdout.write(JSON.stringify({ cpuMs: (c.user + c.system) / 1000, maxRss: process.resourceUsage().maxRSS * 1024, x, n: b.length })); }, 500)`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
    const meter = new UsageMeter(child.pid!, new ReapedCpu());
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    await new Promise((resolve) => child.on('exit', resolve));
    const usage = meter.stop();
    const own = JSON.parse(out) as { cpuMs: number; maxRss: number };
    // /proc counts CPU in 10 ms ticks; the process's own figure was taken just before it exited.
    expect(usage.cpuMs).toBeGreaterThanOrEqual(own.cpuMs - 20);
    expect(usage.peakMemoryBytes).toBeGreaterThanOrEqual(own.maxRss * 0.9);
    expect(usage.peakMemoryBytes).toBeLessThan(own.maxRss * 2);
  });
});
