// The last hour of each pipeline's figures, for the console's pipeline view:
// a bounded ring of samples per pipeline (one every 30 s, 120 of them = 1 h).
// The core is pure: it is handed the readings /metrics exports (cumulative
// datum counters, job and worker gauges) with the time, and keeps per-interval
// deltas of the counters beside the gauges as they stood. The sampler at the
// bottom only schedules it, on timers and a clock handed in.

/** What /metrics holds for one pipeline at one moment. */
export interface PipelineReading {
  pipeline: string;
  /** Jobs by state now (running counts created and finishing; failure counts killed). */
  jobs: { running: number; success: number; failure: number };
  workers: number;
  /** Datums ended since the daemon started. */
  datums: { processed: number; skipped: number; failed: number };
  /** The datum-duration histogram's sum (seconds) and count since the daemon started. */
  datumSeconds: number;
  datumCount: number;
}

/** One interval of one pipeline, ending at `at` (ms since the epoch). */
export interface SeriesSample {
  at: number;
  running: number;
  success: number;
  failure: number;
  workers: number;
  processed: number;
  skipped: number;
  failed: number;
  /** Mean time user code ran per datum that ended in the interval; 0 when none did. */
  meanDatumMs: number;
}

export const SAMPLE_INTERVAL_MS = 30_000;
export const SAMPLES_KEPT = 120;

interface Ring {
  samples: SeriesSample[];
  /** Where the next sample goes once the ring is full. */
  next: number;
  last: PipelineReading;
}

export class PipelineSeries {
  private readonly rings = new Map<string, Ring>();

  constructor(private readonly capacity = SAMPLES_KEPT) {}

  /** Takes one sample of every pipeline read; a pipeline no longer read (deleted) is forgotten. */
  record(at: number, readings: readonly PipelineReading[]): void {
    const seen = new Set<string>();
    for (const r of readings) {
      seen.add(r.pipeline);
      const ring = this.rings.get(r.pipeline) ?? { samples: [], next: 0, last: zero(r.pipeline) };
      const sample = between(ring.last, r, at);
      if (ring.samples.length < this.capacity) ring.samples.push(sample);
      else ring.samples[ring.next] = sample;
      ring.next = (ring.next + 1) % this.capacity;
      ring.last = r;
      this.rings.set(r.pipeline, ring);
    }
    for (const name of [...this.rings.keys()]) if (!seen.has(name)) this.rings.delete(name);
  }

  /**
   * The pipeline's samples, oldest first, then the interval in progress
   * (from its last sample to `current`, read at `at`) when given.
   */
  view(pipeline: string, at: number, current?: PipelineReading): SeriesSample[] {
    const ring = this.rings.get(pipeline);
    // Until the ring is full, `next` is its length and the rotation below leaves it as it is.
    const kept = ring ? [...ring.samples.slice(ring.next), ...ring.samples.slice(0, ring.next)] : [];
    if (current) kept.push(between(ring?.last ?? zero(pipeline), current, at));
    return kept;
  }
}

/** The interval from `before` to `after`: counters as deltas, gauges as `after` has them. */
function between(before: PipelineReading, after: PipelineReading, at: number): SeriesSample {
  // Counters only grow while the daemon runs; a drop would mean a reset, so the new total is the delta.
  const delta = (a: number, b: number) => (a >= b ? a - b : a);
  const count = delta(after.datumCount, before.datumCount);
  const seconds = delta(after.datumSeconds, before.datumSeconds);
  return {
    at,
    ...after.jobs,
    workers: after.workers,
    processed: delta(after.datums.processed, before.datums.processed),
    skipped: delta(after.datums.skipped, before.datums.skipped),
    failed: delta(after.datums.failed, before.datums.failed),
    meanDatumMs: count > 0 ? Math.round((1000 * seconds) / count) : 0,
  };
}

function zero(pipeline: string): PipelineReading {
  return { pipeline, jobs: { running: 0, success: 0, failure: 0 }, workers: 0, datums: { processed: 0, skipped: 0, failed: 0 }, datumSeconds: 0, datumCount: 0 };
}

/** Schedules one sample every `intervalMs`; the returned function stops it. */
export function sampleEvery(
  series: PipelineSeries,
  read: () => Promise<PipelineReading[]>,
  deps: { clock: () => number; timers: { after(ms: number, fn: () => void): () => void }; intervalMs?: number; onError?: (err: unknown) => void },
): () => void {
  const intervalMs = deps.intervalMs ?? SAMPLE_INTERVAL_MS;
  let cancel: (() => void) | undefined;
  let stopped = false;
  const tick = () => {
    read().then(
      (readings) => series.record(deps.clock(), readings),
      (err) => deps.onError?.(err),
    ).finally(() => {
      if (!stopped) cancel = deps.timers.after(intervalMs, tick);
    });
  };
  cancel = deps.timers.after(intervalMs, tick);
  return () => {
    stopped = true;
    cancel?.();
  };
}
