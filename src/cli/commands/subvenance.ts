// tusk subvenance REPO@REF
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { provenanceJson, provenanceText } from '../provenance-view.js';

export const subvenance: CommandDef = {
  words: ['subvenance'],
  summary: 'Show the tree of commits computed from a commit, through every pipeline downstream.',
  examples: ['tusk subvenance images@master', 'tusk subvenance images@0f1e2d3c4b5a69788796a5b4c3d2e1f0 -o json'],
  define(cmd, ctx) {
    cmd
      .argument('<repo@ref>', 'a commit: REPO@BRANCH, REPO@ID, REPO@BRANCH^N')
      .addOption(outputOption())
      .action(async (ref: string, opts) => {
        const tree = await ctx.pps().subvenance(ref);
        emit(ctx, formatOf(opts), () => provenanceJson(tree), () => provenanceText(tree, { once: true }));
      });
  },
};
