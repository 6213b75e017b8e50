// The pipeline store, observed: every batch written to it is applied as
// before, then the jobs, datums and pipelines it wrote are handed to a
// listener. The console's live updates and the datum metrics come from here,
// so the pipeline system itself knows nothing of either.
import { PpsStore, type JobDatumRecord, type JobRecord, type PipelineRecord } from '../pps/index.js';
import type { MetadataOp, MetadataStore } from '../storage/metadata-store.js';

export interface StoreListener {
  job(job: JobRecord): void;
  /** A datum of a job changed state; `pipeline` and `job` come from its key. */
  datum(pipeline: string, job: string, datum: JobDatumRecord): void;
  pipeline(name: string, record: PipelineRecord | undefined): void;
}

export class ObservedPpsStore extends PpsStore {
  constructor(meta: MetadataStore, private readonly listener: StoreListener) {
    super(meta);
  }

  override async apply(ops: MetadataOp[], sync = true): Promise<void> {
    await super.apply(ops, sync);
    for (const op of ops) {
      if (op.table === this.jobs.name && op.type === 'put') this.listener.job(op.value as JobRecord);
      else if (op.table === this.datums.name && op.type === 'put') {
        const [pipeline = '', job = ''] = op.key.split('/');
        this.listener.datum(pipeline, job, op.value as JobDatumRecord);
      } else if (op.table === this.pipelines.name) this.listener.pipeline(op.key, op.type === 'put' ? (op.value as PipelineRecord) : undefined);
    }
  }
}
