// tusk stop job PIPELINE@JOB_ID
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { jobJson } from '../pps-views.js';
import { parseJobRef } from '../refs.js';

export const stopJob: CommandDef = {
  words: ['stop', 'job'],
  summary: 'Stop a job that has not ended: it ends `killed` and its output commit keeps the last good output. Prints the job.',
  examples: ['tusk stop job edges@0f1e2d3c4b5a69788796a5b4c3d2e1f0', 'tusk stop job edges@0f1e2d3c4b5a69788796a5b4c3d2e1f0 -o json'],
  define(cmd, ctx) {
    cmd
      .argument('<pipeline@job>', 'a pipeline and a job ID')
      .addOption(outputOption())
      .action(async (ref: string, opts) => {
        const { pipeline, id } = parseJobRef(ref);
        const job = await ctx.pps().stopJob(pipeline, id);
        emit(ctx, formatOf(opts), () => jobJson(job), () => `stopped job ${pipeline}@${job.id}`);
      });
  },
};
