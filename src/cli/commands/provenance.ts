// tusk provenance REPO@REF
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { provenanceJson, provenanceText } from '../provenance-view.js';

export const provenance: CommandDef = {
  words: ['provenance'],
  summary: 'Show the tree of commits a commit was computed from, down to user commits, with the pipeline version of each step.',
  examples: ['tusk provenance montage@master', 'tusk provenance montage@0f1e2d3c4b5a69788796a5b4c3d2e1f0 -o json'],
  define(cmd, ctx) {
    cmd
      .argument('<repo@ref>', 'a commit: REPO@BRANCH, REPO@ID, REPO@BRANCH^N')
      .addOption(outputOption())
      .action(async (ref: string, opts) => {
        const tree = await ctx.pps().provenance(ref);
        emit(ctx, formatOf(opts), () => provenanceJson(tree), () => provenanceText(tree));
      });
  },
};
