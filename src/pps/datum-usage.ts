// What a pipeline's datums used (right-sizing): p50, p95 and max of the peak
// memory, CPU time and CPU rate (CPU time / wall time, in millicores) that the
// workers measured for each successful datum. Pure: records in, summary out.
import type { JobDatumRecord } from './records.js';

export interface Percentiles {
  p50: number;
  p95: number;
  max: number;
}

export interface DatumUsageSummary {
  /** Datums measured. */
  datums: number;
  peakMemoryBytes: Percentiles;
  cpuMs: Percentiles;
  cpuMillicores: Percentiles;
}

/** Over the successful, measured datums; undefined when there are none. */
export function summarizeUsage(records: readonly JobDatumRecord[]): DatumUsageSummary | undefined {
  const measured = records.filter((r) => r.state === 'success' && (r.peakMemoryBytes ?? 0) > 0);
  if (measured.length === 0) return undefined;
  return {
    datums: measured.length,
    peakMemoryBytes: percentiles(measured.map((r) => r.peakMemoryBytes ?? 0)),
    cpuMs: percentiles(measured.map((r) => r.cpuMs ?? 0)),
    cpuMillicores: percentiles(measured.map((r) => (r.durationMs > 0 ? Math.round(((r.cpuMs ?? 0) * 1000) / r.durationMs) : 0))),
  };
}

/** Nearest-rank percentiles. */
export function percentiles(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
  return { p50: rank(50), p95: rank(95), max: sorted[sorted.length - 1]! };
}

/**
 * resource_requests proposed from a summary: memory the p95 peak plus a quarter (at least 16Mi, in Mi),
 * cpu the p95 CPU rate (at least 0.01 core).
 */
export function proposeRequests(u: DatumUsageSummary): { cpu: number; memory: string } {
  const mi = Math.max(16, Math.ceil((u.peakMemoryBytes.p95 * 1.25) / 1024 ** 2));
  return { cpu: Math.max(0.01, Math.ceil(u.cpuMillicores.p95 / 10) / 100), memory: `${mi}Mi` };
}
