import { describe, expect, it } from 'vitest';
import { percentiles, proposeRequests, summarizeUsage } from './datum-usage.js';
import type { JobDatumRecord } from './records.js';

const datum = (i: number, extra: Partial<JobDatumRecord>): JobDatumRecord => ({ id: `d${i}`, state: 'success', files: [], tries: 1, durationMs: 1000, reason: '', output: '', ...extra });

describe('datum usage', () => {
  it('nearest-rank percentiles', () => {
    expect(percentiles([5, 1, 4, 2, 3])).toEqual({ p50: 3, p95: 5, max: 5 });
    expect(percentiles(Array.from({ length: 100 }, (_, i) => i + 1))).toEqual({ p50: 50, p95: 95, max: 100 });
  });

  it('summarizes only successful, measured datums; CPU rate is CPU time over wall time', () => {
    const records = [
      ...Array.from({ length: 20 }, (_, i) => datum(i, { peakMemoryBytes: (i + 1) * 1024 ** 2, cpuMs: 500, durationMs: 1000 })),
      datum(98, { state: 'failed', peakMemoryBytes: 1e12, cpuMs: 1e9 }),
      datum(99, { state: 'skipped' }),
    ];
    const u = summarizeUsage(records)!;
    expect(u.datums).toBe(20);
    expect(u.peakMemoryBytes).toEqual({ p50: 10 * 1024 ** 2, p95: 19 * 1024 ** 2, max: 20 * 1024 ** 2 });
    expect(u.cpuMillicores).toEqual({ p50: 500, p95: 500, max: 500 });
    expect(summarizeUsage([datum(1, {})])).toBeUndefined();
  });

  it('proposes requests: p95 memory plus a quarter in Mi, p95 CPU rate in cores', () => {
    const u = summarizeUsage(Array.from({ length: 20 }, (_, i) => datum(i, { peakMemoryBytes: 100 * 1024 ** 2, cpuMs: 250, durationMs: 1000 })))!;
    expect(proposeRequests(u)).toEqual({ cpu: 0.25, memory: '125Mi' });
  });
});
