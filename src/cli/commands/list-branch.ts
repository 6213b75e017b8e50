// tusk list branch REPO
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { branchJson, branchTable } from '../views.js';

export const listBranch: CommandDef = {
  clients: 'files',
  words: ['list', 'branch'],
  summary: 'List a repo\'s branches and their heads.',
  examples: ['tusk list branch images'],
  define(cmd, ctx) {
    cmd
      .argument('<repo>', 'repo name')
      .addOption(outputOption())
      .action(async (repo: string, opts) => {
        const branches = await ctx.client().listBranches(repo);
        emit(ctx, formatOf(opts), () => branches.map(branchJson), () => branchTable(branches));
      });
  },
};
