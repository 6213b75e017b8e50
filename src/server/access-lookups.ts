// What the access table needs to know about the data to decide a call: does
// a repo or pipeline exist, which repos a pipeline (or a spec being created)
// reads, which repos a global commit ID or an experiment branch spans. Read
// through PFS and PPS; nothing here decides.
import type { PipelineRepos } from '../auth/index.js';
import { isTuskError } from '../errors/index.js';
import type { Pfs } from '../pfs/index.js';
import { inputRepos, parsePipelineSpec, type Pps } from '../pps/index.js';

export interface AccessLookups {
  repoExists(repo: string): Promise<boolean>;
  /** The repos a pipeline reads and writes; undefined when there is no such pipeline. */
  pipelineRepos(pipeline: string): Promise<PipelineRepos | undefined>;
  /** The pipeline a spec text names, the repos it reads and the cron repos it will create; undefined when it does not parse (the handler then says why). */
  specRepos(spec: string): { name: string; inputs: string[]; cron: string[] } | undefined;
  /** The repos holding a commit of this global commit ID. */
  commitSetRepos(id: string): Promise<string[]>;
  /** The repos that have a branch of this name. */
  reposWithBranch(branch: string): Promise<string[]>;
  /** An experiment's repos: those with a branch of this name, and the outputs of pipelines with a version for it. */
  experimentRepos(branch: string): Promise<string[]>;
}

export function accessLookups(pfs: Pfs, pps: () => Pps | undefined): AccessLookups {
  const notFound = (err: unknown) => {
    if (isTuskError(err) && err.kind === 'not_found') return undefined;
    throw err;
  };
  return {
    async repoExists(repo) {
      return (await pfs.repos.inspect(repo).catch(notFound)) !== undefined;
    },
    async pipelineRepos(pipeline) {
      const record = await pps()?.pipelines.get(pipeline).catch(notFound);
      if (!record) return undefined;
      return { inputs: [...new Set(inputRepos(record.spec).map((i) => i.repo))], output: record.name };
    },
    specRepos(text) {
      try {
        const spec = parsePipelineSpec(text);
        const inputs = inputRepos(spec);
        return { name: spec.name, inputs: [...new Set(inputs.filter((i) => i.kind === 'pfs').map((i) => i.repo))], cron: inputs.filter((i) => i.kind === 'cron').map((i) => i.repo) };
      } catch {
        return undefined;
      }
    },
    async commitSetRepos(id) {
      const commits = await pfs.commits.set(id).catch(notFound);
      return [...new Set((commits ?? []).map((c) => c.repo))];
    },
    async reposWithBranch(branch) {
      const out: string[] = [];
      for (const repo of await pfs.repos.list()) {
        if ((await pfs.branches.list(repo.name)).some((b) => b.name === branch)) out.push(repo.name);
      }
      return out;
    },
    async experimentRepos(branch) {
      const versioned = ((await pps()?.pipelines.list()) ?? []).filter((p) => p.branches?.[branch]).map((p) => p.name);
      return [...new Set([...(await this.reposWithBranch(branch)), ...versioned])];
    },
  };
}
