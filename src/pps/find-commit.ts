// Looking up a branch's commit where "there is none" is an answer, not an
// error: a repo, branch or commit that does not exist (or a branch without
// commits) gives undefined. Any other failure is logged and also gives
// undefined, so a cascade or a cron tick goes on with what it can read.
import { BranchNotFound, CommitNotFound, RepoNotFound } from '../errors/index.js';
import type { CommitRecord, ResolveMode } from '../pfs/index.js';
import type { PfsCommits } from './pfs-access.js';
import type { PpsDeps } from './pps-context.js';

/** True for the errors that mean the ref names nothing (yet). */
export function isMissing(err: unknown): boolean {
  return err instanceof RepoNotFound || err instanceof BranchNotFound || err instanceof CommitNotFound;
}

/** The commit `repo@branch` resolves to in `mode`, or undefined when there is none. */
export async function findBranchCommit(commits: PfsCommits, repo: string, branch: string, mode: ResolveMode, log: PpsDeps['log']): Promise<CommitRecord | undefined> {
  try {
    return await commits.resolve({ repo, name: branch, isId: false, ancestors: 0 }, mode);
  } catch (err) {
    if (!isMissing(err)) log('error', 'commit_lookup_failed', { repo, branch, mode, message: (err as Error).message });
    return undefined;
  }
}
