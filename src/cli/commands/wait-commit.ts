// tusk wait commit REPO@REF | GLOBAL_ID
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { isGlobalId } from '../refs.js';
import { commitError } from '../commit-error.js';
import { commitFields, commitJson, commitTable } from '../views.js';

export const waitCommit: CommandDef = {
  words: ['wait', 'commit'],
  summary: 'Wait until a commit is finished (a global ID: every commit of its set), then show it, and why its job failed if it did.',
  examples: ['tusk wait commit montage@master', 'tusk wait commit montage@0f1e2d3c4b5a69788796a5b4c3d2e1f0'],
  define(cmd, ctx) {
    cmd
      .argument('<ref>', 'REPO@BRANCH, REPO@ID, or a global commit ID')
      .addOption(outputOption())
      .action(async (ref: string, opts) => {
        const format = formatOf(opts);
        if (isGlobalId(ref)) {
          const commits = await ctx.client().inspectCommitSet(ref, true);
          emit(ctx, format, () => commits.map(commitJson), () => commitTable(commits, ctx.now(), opts.fullTimestamps === true));
        } else {
          const commit = await ctx.client().waitCommit(ref);
          const error = await commitError(ctx, commit);
          emit(ctx, format, () => ({ ...commitJson(commit), error }), () => commitFields(commit, ctx.now(), error));
        }
      });
  },
};
