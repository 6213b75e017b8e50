// Errors of a pipeline worker and its sidecar: a datum whose output cannot be
// stored as it stands, a local process (sidecar, sandbox, worker socket) that
// does not answer, a message that breaks the worker protocol, a datum
// request the worker turns down, and a worker the daemon did not start.
import { TuskError } from './tusk-error.js';

/** What user code left in /pfs/out cannot become a datum output (a symlink out of it, a device, a FIFO...). */
export class DatumOutputRejected extends TuskError {
  constructor(readonly path: string, readonly reason: string) {
    super('failed_precondition', 'DatumOutputRejected', `output ${path} ${reason}`, { path, reason });
  }
}

/** A worker-local process or socket (the sidecar, the sandbox runner, the worker socket) is not there or went away. */
export class WorkerPeerUnavailable extends TuskError {
  constructor(readonly peer: string, readonly reason: string) {
    super('unavailable', 'WorkerPeerUnavailable', `${peer} unavailable: ${reason}`, { peer, reason });
  }
}

/** A worker process the daemon did not start (left over from an earlier daemon): it gets no work and should exit. */
export class UnknownWorker extends TuskError {
  constructor(readonly pipeline: string, readonly worker: string) {
    super('failed_precondition', 'UnknownWorker', `worker ${worker} of pipeline ${pipeline} was not started by this daemon`, { pipeline, worker });
  }
}

/** A message between Tusk processes (worker, sidecar, coordinator) that breaks the worker protocol. */
export class BadWorkerMessage extends TuskError {
  constructor(readonly what: string, readonly problem: string) {
    super('invalid_argument', 'BadWorkerMessage', `bad ${what}: ${problem}`, { what, problem });
  }
}

/** A request for a sidecar operation that does not exist. */
export class UnknownOperation extends TuskError {
  constructor(readonly op: string) {
    super('invalid_argument', 'UnknownOperation', `unknown sidecar operation ${JSON.stringify(op)}`, { op });
  }
}

/** `tusk next datum` gets no datum: the worker is stopping, the pipeline was updated, or the asking process is gone. */
export class NextDatumRefused extends TuskError {
  constructor(readonly reason: string) {
    super('aborted', 'NextDatumRefused', reason, { reason });
  }
}
