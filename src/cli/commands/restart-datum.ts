// tusk restart datum PIPELINE@JOB_ID DATUM_ID
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { jobJson } from '../pps-views.js';
import { parseJobRef } from '../refs.js';

export const restartDatum: CommandDef = {
  words: ['restart', 'datum'],
  summary: 'Run a datum again: in a running job it goes back to the queue with its tries reset; after a failed job, a new job reruns the failed datums and reuses the rest. Prints the job that runs it.',
  examples: ['tusk restart datum edges@0f1e2d3c4b5a69788796a5b4c3d2e1f0 5c1a...', 'tusk restart datum edges@0f1e2d3c4b5a69788796a5b4c3d2e1f0 5c1a... -o json'],
  define(cmd, ctx) {
    cmd
      .argument('<pipeline@job>', 'a pipeline and a job ID')
      .argument('<datum>', 'datum ID (from `tusk list datum`)')
      .addOption(outputOption())
      .action(async (ref: string, datumId: string, opts) => {
        const { pipeline, id } = parseJobRef(ref);
        const job = await ctx.pps().restartDatum(pipeline, id, datumId);
        const where = job.id === id ? `in job ${pipeline}@${id}` : `in a new job ${pipeline}@${job.id}`;
        emit(ctx, formatOf(opts), () => jobJson(job), () => `restarted datum ${datumId} ${where}`);
      });
  },
};
