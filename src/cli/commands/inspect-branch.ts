// tusk inspect branch REPO@BRANCH
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { branchFields, branchJson } from '../views.js';

export const inspectBranch: CommandDef = {
  clients: 'files',
  words: ['inspect', 'branch'],
  summary: 'Show a branch: its head commit and trigger.',
  examples: ['tusk inspect branch images@master'],
  define(cmd, ctx) {
    cmd
      .argument('<repo@branch>', 'the branch')
      .addOption(outputOption())
      .action(async (branch: string, opts) => {
        const info = await ctx.client().inspectBranch(branch);
        emit(ctx, formatOf(opts), () => branchJson(info), () => branchFields(info));
      });
  },
};
