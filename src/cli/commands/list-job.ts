// tusk list job [-p PIPELINE]
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { jobJson, jobTable } from '../pps-views.js';

export const listJob: CommandDef = {
  words: ['list', 'job'],
  summary: 'List jobs, newest first (-p: of one pipeline). DATUMS reads processed+skipped/total.',
  examples: ['tusk list job', 'tusk list job -p edges -o json'],
  define(cmd, ctx) {
    cmd
      .option('-p, --pipeline <name>', 'only this pipeline\'s jobs')
      .addOption(outputOption())
      .action(async (opts) => {
        // The daemon lists jobs newest first.
        const jobs = await ctx.pps().listJobs(opts.pipeline ?? '');
        emit(ctx, formatOf(opts), () => jobs.map(jobJson), () => jobTable(jobs, ctx.now()));
      });
  },
};
