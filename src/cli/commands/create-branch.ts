// tusk create branch REPO@BRANCH [--head REF]
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { headRef, splitRepoRef } from '../refs.js';
import { branchJson } from '../views.js';

export const createBranch: CommandDef = {
  words: ['create', 'branch'],
  summary: 'Create a branch (or move an existing one with --head); costs the same whatever the data size.',
  examples: ['tusk create branch images@staging --head master', 'tusk create branch images@v1 --head 0f1e2d3c4b5a69788796a5b4c3d2e1f0', 'tusk create branch images@scratch'],
  define(cmd, ctx) {
    cmd
      .argument('<repo@branch>', 'the branch to create')
      .option('--head <ref>', 'the commit it points at: a branch or commit ID of the same repo (default: none, an empty branch)')
      .addOption(outputOption())
      .action(async (branch: string, opts) => {
        const head = opts.head ? headRef(splitRepoRef(branch).repo, opts.head) : '';
        const created = await ctx.client().createBranch(branch, head);
        emit(ctx, formatOf(opts), () => branchJson(created), () => '');
      });
  },
};
