// tusk stop pipeline NAME
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { pipelineJson } from '../pps-views.js';

export const stopPipeline: CommandDef = {
  words: ['stop', 'pipeline'],
  summary: 'Pause a pipeline: its workers stop and new input commits start no jobs until `tusk start pipeline`.',
  examples: ['tusk stop pipeline edges'],
  define(cmd, ctx) {
    cmd
      .argument('<name>', 'pipeline name')
      .addOption(outputOption())
      .action(async (name: string, opts) => {
        const p = await ctx.pps().stopPipeline(name);
        emit(ctx, formatOf(opts), () => pipelineJson(p), () => '');
      });
  },
};
