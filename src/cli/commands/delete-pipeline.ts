// tusk delete pipeline NAME [--force]
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';

export const deletePipeline: CommandDef = {
  words: ['delete', 'pipeline'],
  summary: 'Delete a pipeline, its jobs and its output repo (refused while another pipeline reads that repo, unless --force).',
  examples: ['tusk delete pipeline edges', 'tusk delete pipeline edges --force'],
  define(cmd, ctx) {
    cmd
      .argument('<name>', 'pipeline name')
      .option('-f, --force', 'delete even if other pipelines read its output repo')
      .addOption(outputOption())
      .action(async (name: string, opts) => {
        await ctx.pps().deletePipeline(name, !!opts.force);
        emit(ctx, formatOf(opts), () => ({ pipeline: name, deleted: true }), () => '');
      });
  },
};
