// tusk inspect branch REPO@BRANCH
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { LocalReads } from '../local-reads.js';
import { branchFields, branchJson } from '../views.js';

export const inspectBranch: CommandDef = {
  clients: 'files-on-demand', // a daemon on this machine answers over its HTTP API (local-reads.ts)
  words: ['inspect', 'branch'],
  summary: 'Show a branch: its head commit and trigger.',
  examples: ['tusk inspect branch images@master'],
  define(cmd, ctx) {
    cmd
      .argument('<repo@branch>', 'the branch')
      .addOption(outputOption())
      .action(async (branch: string, opts) => {
        const info = await new LocalReads(ctx).inspectBranch(branch);
        emit(ctx, formatOf(opts), () => branchJson(info), () => branchFields(info));
      });
  },
};
