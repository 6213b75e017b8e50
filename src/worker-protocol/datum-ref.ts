// A datum's identity as it crosses between worker, sidecar and coordinator:
// the pipeline, the job and the datum ID, as three fields (the DatumRef
// message of proto/tusk/pps.proto), never one joined string to split again.
import { BadWorkerMessage } from '../errors/index.js';

export interface DatumRef {
  pipeline: string;
  job: string;
  datum: string;
}

/** Checks a DatumRef that arrived from another process; returns it, or throws BadWorkerMessage. */
export function checkDatumRef(ref: DatumRef | undefined): DatumRef {
  if (typeof ref !== 'object' || ref === null) throw new BadWorkerMessage('datum reference', 'missing');
  for (const field of ['pipeline', 'job', 'datum'] as const) {
    if (typeof ref[field] !== 'string' || ref[field] === '') throw new BadWorkerMessage('datum reference', `no ${field}`);
  }
  return { pipeline: ref.pipeline, job: ref.job, datum: ref.datum };
}
