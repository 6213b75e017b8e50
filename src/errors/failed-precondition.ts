// Errors for requests that are well-formed but not allowed in the current state:
// writing to a finished commit, a second open commit, deleting something in use.
import { TuskError } from './tusk-error.js';

export class FailedPrecondition extends TuskError {
  constructor(code: string, message: string, data: Record<string, unknown> = {}) {
    super('failed_precondition', code, message, data);
  }
}

/** The object store answered but refuses the request for good (access denied, no such bucket): retrying will not help. */
export class StorageRejected extends FailedPrecondition {
  constructor(readonly operation: string, readonly reason: string) {
    super('StorageRejected', `object store refused ${operation}: ${reason}`, { operation, reason });
  }
}
