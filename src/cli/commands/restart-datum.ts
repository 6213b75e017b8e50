// tusk restart datum PIPELINE@JOB_ID DATUM_ID
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { jobJson } from '../pps-views.js';
import { parseJobRef } from '../refs.js';

export const restartDatum: CommandDef = {
  words: ['restart', 'datum'],
  summary: 'Run a datum of a running job again (a fresh set of tries); prints the job.',
  examples: ['tusk restart datum edges@0f1e2d3c4b5a69788796a5b4c3d2e1f0 5c1a...'],
  define(cmd, ctx) {
    cmd
      .argument('<pipeline@job>', 'a pipeline and a job ID')
      .argument('<datum>', 'datum ID (from `tusk list datum`)')
      .addOption(outputOption())
      .action(async (ref: string, datumId: string, opts) => {
        const { pipeline, id } = parseJobRef(ref);
        const job = await ctx.pps().restartDatum(pipeline, id, datumId);
        emit(ctx, formatOf(opts), () => jobJson(job), () => `restarted datum ${datumId} of job ${pipeline}@${job.id}`);
      });
  },
};
