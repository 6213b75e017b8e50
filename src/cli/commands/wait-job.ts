// tusk wait job PIPELINE@JOB_ID | JOB_ID
import { FailedPrecondition } from '../../errors/index.js';
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import type { Job } from '../../client/index.js';
import { jobFields, jobJson, jobTable } from '../pps-views.js';
import { isGlobalId, parseJobRef } from '../refs.js';

const FAILED = new Set(['failure', 'killed']);

export const waitJob: CommandDef = {
  words: ['wait', 'job'],
  summary: 'Wait until a job (a bare ID: every job of that ID) ends and show it; exit status 1 (with the reason on stderr) if it failed or was killed.',
  examples: ['tusk wait job edges@0f1e2d3c4b5a69788796a5b4c3d2e1f0', 'tusk wait job 0f1e2d3c4b5a69788796a5b4c3d2e1f0   # every pipeline\'s job of this ID', 'tusk wait job edges@0f1e2d3c4b5a69788796a5b4c3d2e1f0 -o json && echo ok'],
  define(cmd, ctx) {
    cmd
      .argument('<pipeline@job>', 'a pipeline and a job ID, or a bare job ID (as pachctl waits for a job set)')
      .addOption(outputOption())
      .action(async (ref: string, opts) => {
        if (isGlobalId(ref)) {
          // Every commit of the set finished means every job of the ID has ended.
          await ctx.client().inspectCommitSet(ref, true);
          // A job's output commit finishes a moment before the job is saved done: wait for each job too.
          const jobs = await Promise.all((await ctx.pps().listJobs()).filter((j) => j.id === ref).map((j) => ctx.pps().inspectJob(j.pipeline, j.id, true)));
          emit(ctx, formatOf(opts), () => jobs.map(jobJson), () => jobTable(jobs, ctx.now(), opts.fullTimestamps === true));
          // the failed job, not the jobs below it that were killed because of it
          const bad = jobs.find((j) => j.state === 'failure') ?? jobs.find((j) => FAILED.has(j.state));
          if (bad) throw ended(bad);
          return;
        }
        const { pipeline, id } = parseJobRef(ref);
        const job = await ctx.pps().inspectJob(pipeline, id, true);
        emit(ctx, formatOf(opts), () => jobJson(job), () => jobFields(job, ctx.now()));
        if (FAILED.has(job.state)) throw ended(job);
      });
  },
};

/** The error for a job that failed or was killed, with its reason. */
function ended(job: Job): FailedPrecondition {
  const why = job.reason ? `: ${job.reason}` : '';
  return new FailedPrecondition(job.state === 'killed' ? 'JobKilled' : 'JobFailed', `job ${job.pipeline}@${job.id} ${job.state === 'killed' ? 'was killed' : 'failed'}${why}`, {
    pipeline: job.pipeline,
    job: job.id,
    state: job.state,
    reason: job.reason,
  });
}
