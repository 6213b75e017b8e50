// The WorkerSpec a worker receives (proto/tusk/pps.proto): checked on receipt,
// so a worker never runs by a spec it misread. Protobuf already fixes each
// field's type; this checks what the worker relies on beyond that.
import { BadWorkerMessage } from '../errors/index.js';
import type { WorkerSpec } from '../gen/tusk/pps.js';

/** Returns the spec, or throws BadWorkerMessage naming what is wrong. */
export function checkWorkerSpec(spec: WorkerSpec | undefined): WorkerSpec {
  if (!spec) throw new BadWorkerMessage('worker spec', 'missing');
  if (spec.cmd.length === 0) throw new BadWorkerMessage('worker spec', 'no cmd');
  if (!Number.isSafeInteger(spec.datumTries) || spec.datumTries < 1) throw new BadWorkerMessage('worker spec', `datum_tries ${spec.datumTries} is not a positive whole number`);
  if (!Number.isSafeInteger(spec.datumTimeoutMs) || spec.datumTimeoutMs < 0) throw new BadWorkerMessage('worker spec', `datum_timeout_ms ${spec.datumTimeoutMs} is negative`);
  return spec;
}
