// tusk inspect commit REPO@REF | GLOBAL_ID
// A global ID shows its whole set: every commit with that ID and the jobs that
// made them (-o json: the array of commits, each pipeline output commit with
// its `job`).
import type { Commit, Job } from '../../client/index.js';
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { LocalReads } from '../local-reads.js';
import { jobJson, jobTable } from '../pps-views.js';
import { isGlobalId } from '../refs.js';
import { commitError } from '../commit-error.js';
import { commitFields, commitJson, commitTable } from '../views.js';

export const inspectCommit: CommandDef = {
  clients: 'on-demand', // one commit from a daemon on this machine: over its HTTP API (local-reads.ts)
  words: ['inspect', 'commit'],
  summary: 'Show a commit; a bare global ID lists every commit of its set, in every repo, and the jobs of that ID.',
  examples: ['tusk inspect commit images@master', 'tusk inspect commit images@master^2', 'tusk inspect commit 0f1e2d3c4b5a69788796a5b4c3d2e1f0'],
  define(cmd, ctx) {
    cmd
      .argument('<ref>', 'REPO@BRANCH, REPO@ID (with ^N or ~N for ancestors, .N for the N-th commit from the first), or a global commit ID')
      .addOption(outputOption())
      .action(async (ref: string, opts) => {
        const format = formatOf(opts);
        if (isGlobalId(ref)) {
          await ctx.loadClient('all');
          const commits = await ctx.client().inspectCommitSet(ref);
          const jobs = (await ctx.pps().listJobs()).filter((j) => j.id === ref);
          emit(ctx, format, () => commits.map((c) => commitSetEntry(c, jobs)), () => commitSetText(commits, jobs, ctx.now()));
        } else {
          const commit = await new LocalReads(ctx).inspectCommit(ref);
          const error = await commitError(ctx, commit);
          emit(ctx, format, () => ({ ...commitJson(commit), error }), () => commitFields(commit, ctx.now(), error));
        }
      });
  },
};

/** A commit of the set; the one a job wrote (in the pipeline's output repo) carries that job. */
function commitSetEntry(c: Commit, jobs: readonly Job[]) {
  const job = jobs.find((j) => j.pipeline === c.repo && j.outputCommit === c.id);
  return { ...commitJson(c), job: job ? jobJson(job) : null };
}

function commitSetText(commits: readonly Commit[], jobs: readonly Job[], now: Date): string {
  const text = commitTable(commits, now);
  return jobs.length === 0 ? text : `${text}\n${jobTable(jobs, now)}`;
}
