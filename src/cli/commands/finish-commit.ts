// tusk finish commit REPO@BRANCH|REPO@ID [-m|--description MSG]
import { descriptionOption, emit, formatOf, messageOf, outputOption, type CommandDef } from '../command.js';
import { commitJson } from '../views.js';
import { inTransaction, recordOp, TRANSACTION_HELP } from '../transaction-record.js';

export const finishCommit: CommandDef = {
  words: ['finish', 'commit'],
  summary: 'Finish an open commit: it becomes immutable and readers of its branch see it.',
  examples: ['tusk finish commit images@master', 'tusk finish commit images@0f1e2d3c4b5a69788796a5b4c3d2e1f0 -m "import done"'],
  define(cmd, ctx) {
    cmd
      .argument('<repo@ref>', 'the branch with the open commit, or the commit\'s ID')
      .option('-m, --message <text>', 'set the commit\'s description')
      .addOption(descriptionOption())
      .addOption(outputOption())
      .addHelpText('after', TRANSACTION_HELP)
      .action(async (ref: string, opts) => {
        const txn = inTransaction(ctx);
        if (txn) return recordOp(ctx, txn, { kind: 'finish_commit', commit: ref, description: messageOf(opts) ?? '' }, opts);
        const commit = await ctx.client().finishCommit(ref, messageOf(opts));
        emit(ctx, formatOf(opts), () => commitJson(commit), () => '');
      });
  },
};
