// tusk experiment diff BRANCH
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { experimentRepoJson, experimentTable } from '../experiment-views.js';

export const experimentDiff: CommandDef = {
  words: ['experiment', 'diff'],
  summary: 'Summarise what an experiment branch changed against the main line, for every repo of the pipeline graph that has it.',
  examples: ['tusk experiment diff exp', 'tusk experiment diff exp -o json'],
  define(cmd, ctx) {
    cmd
      .argument('<branch>', 'the experiment branch')
      .addOption(outputOption())
      .addHelpText('after', '\nEach repo is compared with its main-line branch (the branch pipelines read it at, or write it to).\nFor one repo in detail: tusk diff file REPO@BRANCH REPO@master')
      .action(async (branch: string, opts) => {
        const repos = await ctx.pps().experimentDiff(branch);
        emit(ctx, formatOf(opts), () => repos.map(experimentRepoJson), () => experimentTable(repos));
      });
  },
};
