// Errors for requests that are well-formed but not allowed in the current state:
// writing to a finished commit, a second open commit, deleting something in use.
import { TuskError } from './tusk-error.js';

export class FailedPrecondition extends TuskError {
  constructor(code: string, message: string, data: Record<string, unknown> = {}) {
    super('failed_precondition', code, message, data);
  }
}

export class CommitFinished extends FailedPrecondition {
  constructor(readonly repo: string, readonly commit: string) {
    super('CommitFinished', `commit ${commit} in repo "${repo}" is finished; only an open commit takes writes`, { repo, commit });
  }
}

export class BranchHasOpenCommit extends FailedPrecondition {
  constructor(readonly repo: string, readonly branch: string, readonly commit: string) {
    super('BranchHasOpenCommit', `branch "${branch}" of repo "${repo}" already has an open commit ${commit}; finish it first`, { repo, branch, commit });
  }
}

export class NotAFile extends FailedPrecondition {
  constructor(readonly path: string, readonly reason: string) {
    super('NotAFile', `${path}: ${reason}`, { path, reason });
  }
}

export class InUse extends FailedPrecondition {
  constructor(readonly what: string, readonly users: string[]) {
    super('InUse', `${what} is used by ${users.join(', ')}; use --force to delete it anyway`, { what, users });
  }
}

/** The object store answered but refuses the request for good (access denied, no such bucket): retrying will not help. */
export class StorageRejected extends FailedPrecondition {
  constructor(readonly operation: string, readonly reason: string) {
    super('StorageRejected', `object store refused ${operation}: ${reason}`, { operation, reason });
  }
}
