import { describe, expect, it } from 'vitest';
import { FakeClock } from '../pps/fake-clock.js';
import { PipelineSeries, sampleEvery, SAMPLE_INTERVAL_MS, type PipelineReading } from './pipeline-series.js';

/** What /metrics would read after `processed` datums of 2 s each (cumulative, like the counters). */
function reading(processed: number, extra: Partial<PipelineReading> = {}): PipelineReading {
  return {
    pipeline: 'wc',
    jobs: { running: 1, success: processed, failure: 0 },
    workers: 2,
    datums: { processed, skipped: 0, failed: 0 },
    datumSeconds: 2 * processed,
    datumCount: processed,
    ...extra,
  };
}

describe('PipelineSeries', () => {
  it('samples every 30 s, keeps one hour (120 samples) and turns the counters into deltas', async () => {
    const clock = new FakeClock();
    const series = new PipelineSeries();
    let processed = 0;
    // Each interval ends 3 more datums than the one before it (3, 6, 9, ...): deltas must grow the same way.
    let interval = 0;
    const stop = sampleEvery(series, async () => {
      interval++;
      processed += 3 * interval;
      return [reading(processed)];
    }, { clock: () => clock.now().getTime(), timers: clock });
    const start = clock.now().getTime();
    for (let i = 0; i < 130; i++) {
      clock.advance(SAMPLE_INTERVAL_MS);
      await new Promise((r) => setImmediate(r)); // the read is async: let the sample land before the next tick
    }
    stop();
    expect(clock.waiting).toBe(0);

    const samples = series.view('wc', clock.now().getTime());
    expect(samples).toHaveLength(120);
    // Wrapped: the 10 oldest of 130 are gone; oldest first.
    expect(samples[0]!.at).toBe(start + 11 * SAMPLE_INTERVAL_MS);
    expect(samples[119]!.at).toBe(start + 130 * SAMPLE_INTERVAL_MS);
    expect(samples.map((s) => s.processed)).toEqual(Array.from({ length: 120 }, (_, i) => 3 * (i + 11)));
    expect(samples.every((s) => s.meanDatumMs === 2000 && s.workers === 2 && s.running === 1)).toBe(true);
  });

  it('shows the interval in progress and forgets a deleted pipeline', () => {
    const series = new PipelineSeries(4);
    series.record(30_000, [reading(5)]);
    series.record(60_000, [reading(5, { datums: { processed: 5, skipped: 4, failed: 1 } })]);
    const [first, second, now] = series.view('wc', 75_000, reading(8, { datums: { processed: 8, skipped: 4, failed: 1 }, datumSeconds: 16, datumCount: 8 }));
    expect(first).toMatchObject({ at: 30_000, processed: 5, skipped: 0, failed: 0, meanDatumMs: 2000 });
    expect(second).toMatchObject({ at: 60_000, processed: 0, skipped: 4, failed: 1, meanDatumMs: 0 });
    expect(now).toMatchObject({ at: 75_000, processed: 3, skipped: 0, failed: 0, meanDatumMs: 2000 });
    series.record(90_000, []);
    expect(series.view('wc', 90_000)).toEqual([]);
  });
});
