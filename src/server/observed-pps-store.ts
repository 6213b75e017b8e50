// The pipeline store, observed: every batch written to it is applied as
// before, then the jobs, datums and pipelines it wrote are handed to a
// listener. The console's live updates and the datum metrics come from here,
// so the pipeline system itself knows nothing of either.
import type { Metadata, TableOp } from '../pfs/index.js';
import { PpsStore, type JobDatumRecord, type JobRecord, type PipelineRecord } from '../pps/index.js';

export interface StoreListener {
  job(job: JobRecord): void;
  /** A datum of a job changed state; `pipeline` and `job` come from its key. */
  datum(pipeline: string, job: string, datum: JobDatumRecord): void;
  pipeline(name: string, record: PipelineRecord | undefined): void;
}

export class ObservedPpsStore extends PpsStore {
  constructor(meta: Metadata, private readonly listener: StoreListener) {
    super(meta);
  }

  override async apply(ops: TableOp[], sync = true): Promise<void> {
    await super.apply(ops, sync);
    for (const op of ops) {
      if (op.sublevel === this.jobs.sublevel && op.type === 'put') this.listener.job(op.value as JobRecord);
      else if (op.sublevel === this.datums.sublevel && op.type === 'put') {
        const [pipeline = '', job = ''] = op.key.split('/');
        this.listener.datum(pipeline, job, op.value as JobDatumRecord);
      } else if (op.sublevel === this.pipelines.sublevel) this.listener.pipeline(op.key, op.type === 'put' ? (op.value as PipelineRecord) : undefined);
    }
  }
}
