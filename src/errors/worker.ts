// Errors of a pipeline worker and its sidecar: a datum whose output cannot be
// stored as it stands, and a local process (sidecar, sandbox, worker socket)
// that does not answer, and a worker the daemon did not start.
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
