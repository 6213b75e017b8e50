// The decision: may this subject do what a call needs? Pure: it takes the
// role bindings and, for a pipeline's identity, the repos that pipeline reads
// and writes, and returns allowed or the role that was missing and where.
// The table of what each call needs is src/server/access-table.ts.
import { covers, stronger, type RepoRole, type Role } from './roles.js';
import { pipelineOf } from './subject.js';

/** What a call needs from its caller. */
export type Need =
  /** Anyone, even without a token (version, activate). */
  | { kind: 'public' }
  /** Any valid token. */
  | { kind: 'authenticated' }
  /** At least `role` on every repo listed. */
  | { kind: 'repo'; role: RepoRole; repos: readonly string[] }
  /** clusterAdmin. */
  | { kind: 'cluster' }
  /** The pipeline's own identity (its workers and sidecars), or clusterAdmin. */
  | { kind: 'pipeline'; pipeline: string }
  /** The subject itself, or clusterAdmin (revoking one's own tokens, one's own S3 key). */
  | { kind: 'self'; subject: string }
  /** Every one of these (a copy: write the target, read the source). */
  | { kind: 'all'; needs: readonly Need[] };

export interface Bindings {
  /** The subject's cluster-wide role, if any. */
  cluster(subject: string): Role | undefined;
  /** The subject's role bound on this repo, if any. */
  repo(repo: string, subject: string): Role | undefined;
}

/** The repos a pipeline reads (its pfs inputs) and writes (its output repo). */
export interface PipelineRepos {
  inputs: readonly string[];
  output: string;
}

export type Decision = { allowed: true } | { allowed: false; role: Role; repo?: string };

/** The strongest role the subject has on the repo: bound there, cluster-wide, or as the pipeline using it. */
export function roleOn(subject: string, repo: string, bindings: Bindings, pipeline?: PipelineRepos): Role | undefined {
  let role = stronger(bindings.cluster(subject), bindings.repo(repo, subject));
  if (pipeline && pipelineOf(subject) !== undefined) {
    if (pipeline.output === repo) role = stronger(role, 'repoWriter');
    else if (pipeline.inputs.includes(repo)) role = stronger(role, 'repoReader');
  }
  return role;
}

/**
 * Decides for an authenticated subject (undefined: no valid token).
 * `pipeline`: the repos of the pipeline the subject speaks for, when it is a `pipeline:` subject.
 */
export function decide(subject: string | undefined, need: Need, bindings: Bindings, pipeline?: PipelineRepos): Decision {
  if (need.kind === 'public') return { allowed: true };
  if (subject === undefined) return { allowed: false, role: 'repoReader' };
  const admin = covers(bindings.cluster(subject), 'clusterAdmin');
  switch (need.kind) {
    case 'authenticated':
      return { allowed: true };
    case 'cluster':
      return admin ? { allowed: true } : { allowed: false, role: 'clusterAdmin' };
    case 'self':
      return admin || subject === need.subject ? { allowed: true } : { allowed: false, role: 'clusterAdmin' };
    case 'pipeline':
      return admin || pipelineOf(subject) === need.pipeline ? { allowed: true } : { allowed: false, role: 'clusterAdmin' };
    case 'all': {
      for (const n of need.needs) {
        const d = decide(subject, n, bindings, pipeline);
        if (!d.allowed) return d;
      }
      return { allowed: true };
    }
    case 'repo': {
      for (const repo of need.repos) {
        if (!covers(roleOn(subject, repo, bindings, pipeline), need.role)) return { allowed: false, role: need.role, repo };
      }
      return { allowed: true };
    }
  }
}
