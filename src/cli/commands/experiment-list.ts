// tusk experiment list
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { experimentListJson, experimentListTable } from '../experiment-views.js';

export const experimentList: CommandDef = {
  words: ['experiment', 'list'],
  summary: 'List the experiments: branches of the pipeline graph off the main line, and pipeline versions made for a branch.',
  examples: ['tusk experiment list', 'tusk experiment list -o json'],
  define(cmd, ctx) {
    cmd
      .addOption(outputOption())
      .addHelpText('after', '\nAn experiment is a branch name that some repo of the pipeline graph has where no pipeline reads or writes it,\nor that a pipeline has a version for (tusk update pipeline -f SPEC --branch NAME). OPEN lists heads still being written.')
      .action(async (opts) => {
        const list = await ctx.pps().listExperiments();
        emit(ctx, formatOf(opts), () => list.map(experimentListJson), () => experimentListTable(list, ctx.now(), opts.fullTimestamps === true));
      });
  },
};
