// tusk delete branch REPO@BRANCH [--force]
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { splitRepoRef } from '../refs.js';

export const deleteBranch: CommandDef = {
  clients: 'files',
  words: ['delete', 'branch'],
  summary: 'Delete a branch; its commits stay (refused while a pipeline reads it, unless --force).',
  examples: ['tusk delete branch images@staging'],
  define(cmd, ctx) {
    cmd
      .argument('<repo@branch>', 'the branch')
      .option('-f, --force', 'delete even if pipelines read the branch')
      .addOption(outputOption())
      .action(async (branch: string, opts) => {
        await ctx.client().deleteBranch(branch, !!opts.force);
        const { repo, name } = splitRepoRef(branch);
        emit(ctx, formatOf(opts), () => ({ repo, branch: name, deleted: true }), () => '');
      });
  },
};
