// Errors for creating something whose name is taken.
import { TuskError } from './tusk-error.js';

export class AlreadyExists extends TuskError {
  constructor(code: string, message: string, data: Record<string, unknown> = {}) {
    super('already_exists', code, message, data);
  }
}

export class RepoExists extends AlreadyExists {
  constructor(readonly repo: string) {
    super('RepoExists', `repo "${repo}" already exists`, { repo });
  }
}

export class BranchExists extends AlreadyExists {
  constructor(readonly repo: string, readonly branch: string) {
    super('BranchExists', `branch "${branch}" already exists in repo "${repo}"`, { repo, branch });
  }
}

export class CommitExists extends AlreadyExists {
  constructor(readonly repo: string, readonly commit: string) {
    super('CommitExists', `repo "${repo}" already has a commit ${commit} (a global ID holds at most one commit per repo)`, { repo, commit });
  }
}
