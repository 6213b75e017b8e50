// tusk experiment delete BRANCH
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { deleteExperimentJson, deleteExperimentText } from '../experiment-views.js';

export const experimentDelete: CommandDef = {
  words: ['experiment', 'delete'],
  summary: 'Discard an experiment: delete its branch in every repo of the pipeline graph and the pipeline versions made for it.',
  examples: ['tusk experiment delete exp'],
  define(cmd, ctx) {
    cmd
      .argument('<branch>', 'the experiment branch')
      .addOption(outputOption())
      .addHelpText('after', '\nThe commits stay (as after tusk delete branch); the main line is not touched. Refused, with nothing changed,\nwhile the experiment still has open commits. Running it again after an interruption finishes the deletion.')
      .action(async (branch: string, opts) => {
        const result = await ctx.pps().deleteExperiment(branch);
        emit(ctx, formatOf(opts), () => deleteExperimentJson(result), () => deleteExperimentText(branch, result));
      });
  },
};
