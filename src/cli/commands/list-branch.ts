// tusk list branch REPO
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { LocalReads } from '../local-reads.js';
import { branchJson, branchTable } from '../views.js';

export const listBranch: CommandDef = {
  clients: 'files-on-demand', // a daemon on this machine answers over its HTTP API (local-reads.ts)
  words: ['list', 'branch'],
  summary: 'List a repo\'s branches and their heads.',
  examples: ['tusk list branch images'],
  define(cmd, ctx) {
    cmd
      .argument('<repo>', 'repo name')
      .addOption(outputOption())
      .action(async (repo: string, opts) => {
        const branches = await new LocalReads(ctx).listBranches(repo);
        emit(ctx, formatOf(opts), () => branches.map(branchJson), () => branchTable(branches));
      });
  },
};
