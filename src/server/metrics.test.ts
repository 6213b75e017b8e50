import { describe, expect, it } from 'vitest';
import { Metrics } from './metrics.js';

describe('Metrics.pipelineReadings', () => {
  it('reads each pipeline\'s figures from the series /metrics exports', async () => {
    const metrics = new Metrics({
      jobCounts: async () => [
        { pipeline: 'counts', state: 'success', count: 2 },
        { pipeline: 'counts', state: 'killed', count: 1 },
        { pipeline: 'counts', state: 'running', count: 1 },
      ],
      workers: async () => [{ pipeline: 'counts', count: 1 }, { pipeline: 'idle', count: 0 }],
    });
    metrics.datumEnded('counts', 'success', 1000);
    metrics.datumEnded('counts', 'success', 3000);
    metrics.datumEnded('counts', 'skipped', 0);
    metrics.datumEnded('counts', 'failed', 2000);
    const readings = await metrics.pipelineReadings();
    expect(readings).toEqual([
      { pipeline: 'counts', jobs: { running: 1, success: 2, failure: 1 }, workers: 1, datums: { processed: 2, skipped: 1, failed: 1 }, datumSeconds: 6, datumCount: 3 },
      { pipeline: 'idle', jobs: { running: 0, success: 0, failure: 0 }, workers: 0, datums: { processed: 0, skipped: 0, failed: 0 }, datumSeconds: 0, datumCount: 0 },
    ]);
  });
});
