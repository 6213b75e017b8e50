// PpsStore.listPipelines remembers an empty pipelines table (every commit asks):
// a pipeline written by any batch of the store, also one built by another layer, is seen at once.
import { describe, expect, it } from 'vitest';
import { MemoryMetadataStore } from '../storage/memory-metadata-store.js';
import { PpsStore } from './pps-store.js';
import type { PipelineRecord } from './records.js';

describe('PpsStore.listPipelines', () => {
  it('sees pipelines written after it found none, by its own ops or by another batch of the store', async () => {
    const meta = new MemoryMetadataStore();
    const pps = new PpsStore(meta);
    expect(await pps.listPipelines()).toEqual([]);
    expect(await pps.listPipelines()).toEqual([]);
    const p = { name: 'edges', version: 1, spec: { pipeline: { name: 'edges' } } } as unknown as PipelineRecord;
    await pps.apply(pps.putPipelineOps(p));
    expect((await pps.listPipelines()).map((x) => x.name)).toEqual(['edges']);
    await meta.batch([meta.table('pps-pipelines').delOp('edges')], { sync: true });
    expect(await pps.listPipelines()).toEqual([]);
    // A batch of another layer (pfs writing pps records with its own) through its own table handle.
    const writing = meta.batch([meta.table<PipelineRecord>('pps-pipelines').putOp('later', { ...p, name: 'later' })], { sync: true });
    await writing;
    expect((await pps.listPipelines()).map((x) => x.name)).toEqual(['later']);
  });
});
