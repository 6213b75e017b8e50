// tusk experiment promote BRANCH
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { promoteJson, promoteText } from '../experiment-views.js';

export const experimentPromote: CommandDef = {
  words: ['experiment', 'promote'],
  summary: 'Make an experiment the main line: fast-forward each main-line branch to it and make its pipeline versions the main ones.',
  examples: ['tusk experiment promote exp'],
  define(cmd, ctx) {
    cmd
      .argument('<branch>', 'the experiment branch')
      .addOption(outputOption())
      .addHelpText('after', '\nRefused, with nothing changed, when a main-line branch moved since the experiment branched (not a fast-forward)\nor while the experiment still has open commits. Running it again after an interruption finishes the promotion.')
      .action(async (branch: string, opts) => {
        const result = await ctx.pps().promoteExperiment(branch);
        emit(ctx, formatOf(opts), () => promoteJson(result), () => promoteText(branch, result));
      });
  },
};
