// tusk start pipeline NAME
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { pipelineJson } from '../pps-views.js';

export const startPipeline: CommandDef = {
  words: ['start', 'pipeline'],
  summary: 'Restart a paused (or failed) pipeline: its workers start again.',
  examples: ['tusk start pipeline edges'],
  define(cmd, ctx) {
    cmd
      .argument('<name>', 'pipeline name')
      .addOption(outputOption())
      .action(async (name: string, opts) => {
        const p = await ctx.pps().startPipeline(name);
        emit(ctx, formatOf(opts), () => pipelineJson(p), () => '');
      });
  },
};
