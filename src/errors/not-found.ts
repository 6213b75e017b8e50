// Errors for things that do not exist: objects, chunks, repos, branches, commits, files, pipelines, jobs.
import { TuskError } from './tusk-error.js';

export class NotFound extends TuskError {
  constructor(code: string, message: string, data: Record<string, unknown> = {}) {
    super('not_found', code, message, data);
  }
}

export class ObjectNotFound extends NotFound {
  constructor(readonly key: string) {
    super('ObjectNotFound', `object "${key}" not found in the object store`, { key });
  }
}

export class RepoNotFound extends NotFound {
  constructor(readonly repo: string) {
    super('RepoNotFound', `repo "${repo}" not found`, { repo });
  }
}

export class BranchNotFound extends NotFound {
  constructor(readonly repo: string, readonly branch: string) {
    super('BranchNotFound', `branch "${branch}" not found in repo "${repo}"`, { repo, branch });
  }
}

export class CommitNotFound extends NotFound {
  /** `detail` replaces the default message when the commit was named indirectly (a branch without commits, `^N` past the root). */
  constructor(readonly repo: string, readonly commit: string, detail?: string) {
    super('CommitNotFound', detail ?? (repo ? `commit "${commit}" not found in repo "${repo}"` : `commit "${commit}" not found`), { repo, commit });
  }
}

export class FileNotFound extends NotFound {
  constructor(readonly path: string, where = '') {
    super('FileNotFound', `file "${path}" not found${where ? ` in ${where}` : ''}`, { path, where });
  }
}
