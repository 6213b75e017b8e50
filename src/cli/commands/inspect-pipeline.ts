// tusk inspect pipeline NAME
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { LocalPpsReads } from '../local-reads.js';
import { pipelineFields, pipelineJson } from '../pps-views.js';

export const inspectPipeline: CommandDef = {
  clients: 'on-demand', // a daemon on this machine answers over its HTTP API (local-reads.ts)
  words: ['inspect', 'pipeline'],
  summary: 'Show a pipeline: version, state, input, transform and workers (-o json: with its full spec).',
  examples: ['tusk inspect pipeline edges', 'tusk inspect pipeline edges -o json'],
  define(cmd, ctx) {
    cmd
      .argument('<name>', 'pipeline name')
      .addOption(outputOption())
      .action(async (name: string, opts) => {
        const p = await new LocalPpsReads(ctx).inspectPipeline(name);
        emit(ctx, formatOf(opts), () => pipelineJson(p), () => pipelineFields(p, ctx.now()));
      });
  },
};
