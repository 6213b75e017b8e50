// tusk inspect commit REPO@REF | GLOBAL_ID
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { isGlobalId } from '../refs.js';
import { commitFields, commitJson, commitTable } from '../views.js';

export const inspectCommit: CommandDef = {
  words: ['inspect', 'commit'],
  summary: 'Show a commit; a bare global ID lists every commit of its set, in every repo.',
  examples: ['tusk inspect commit images@master', 'tusk inspect commit images@master^2', 'tusk inspect commit 0f1e2d3c4b5a69788796a5b4c3d2e1f0'],
  define(cmd, ctx) {
    cmd
      .argument('<ref>', 'REPO@BRANCH, REPO@ID (with ^N for ancestors), or a global commit ID')
      .addOption(outputOption())
      .action(async (ref: string, opts) => {
        const format = formatOf(opts);
        if (isGlobalId(ref)) {
          const commits = await ctx.client().inspectCommitSet(ref);
          emit(ctx, format, () => commits.map(commitJson), () => commitTable(commits, ctx.now()));
        } else {
          const commit = await ctx.client().inspectCommit(ref);
          emit(ctx, format, () => commitJson(commit), () => commitFields(commit, ctx.now()));
        }
      });
  },
};
