// tusk run pipeline NAME [--branch B]
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { jobJson } from '../pps-views.js';

export const runPipeline: CommandDef = {
  words: ['run', 'pipeline'],
  summary: 'Run a job now on the current heads of the pipeline\'s inputs (or on branch B of each); prints the job ID.',
  examples: ['tusk run pipeline edges', 'tusk run pipeline edges --branch staging'],
  define(cmd, ctx) {
    cmd
      .argument('<name>', 'pipeline name')
      .option('-b, --branch <branch>', 'run on this branch of every input instead of the spec\'s branches')
      .addOption(outputOption())
      .action(async (name: string, opts) => {
        const job = await ctx.pps().runPipeline(name, opts.branch ?? '');
        emit(ctx, formatOf(opts), () => jobJson(job), () => job.id);
      });
  },
};
