// tusk wait job PIPELINE@JOB_ID
import { FailedPrecondition } from '../../errors/index.js';
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { jobFields, jobJson } from '../pps-views.js';
import { parseJobRef } from '../refs.js';

const FAILED = new Set(['failure', 'killed']);

export const waitJob: CommandDef = {
  words: ['wait', 'job'],
  summary: 'Wait until a job ends and show it; exit status 1 (with the reason on stderr) if it failed or was killed.',
  examples: ['tusk wait job edges@0f1e2d3c4b5a69788796a5b4c3d2e1f0', 'tusk wait job edges@0f1e2d3c4b5a69788796a5b4c3d2e1f0 -o json && echo ok'],
  define(cmd, ctx) {
    cmd
      .argument('<pipeline@job>', 'a pipeline and a job ID')
      .addOption(outputOption())
      .action(async (ref: string, opts) => {
        const { pipeline, id } = parseJobRef(ref);
        const job = await ctx.pps().inspectJob(pipeline, id, true);
        emit(ctx, formatOf(opts), () => jobJson(job), () => jobFields(job, ctx.now()));
        if (FAILED.has(job.state)) {
          const why = job.reason ? `: ${job.reason}` : '';
          throw new FailedPrecondition(job.state === 'killed' ? 'JobKilled' : 'JobFailed', `job ${pipeline}@${id} ${job.state === 'killed' ? 'was killed' : 'failed'}${why}`, {
            pipeline,
            job: id,
            state: job.state,
            reason: job.reason,
          });
        }
      });
  },
};
