// tusk start commit REPO@BRANCH [-m|--description MSG] [--parent ID]
import { descriptionOption, emit, formatOf, messageOf, outputOption, type CommandDef } from '../command.js';
import { commitJson } from '../views.js';
import { inTransaction, recordOp, TRANSACTION_HELP } from '../transaction-record.js';

export const startCommit: CommandDef = {
  words: ['start', 'commit'],
  summary: 'Open a new commit on a branch and print its ID; writes go to it until it is finished.',
  examples: ['tusk start commit images@master', 'ID=$(tusk start commit images@master -m "nightly import")'],
  define(cmd, ctx) {
    cmd
      .argument('<repo@branch>', 'the branch the commit goes on')
      .option('-m, --message <text>', 'a description of the commit')
      .addOption(descriptionOption())
      .option('-p, --parent <commit>', 'the parent commit (default: the branch head)')
      .option('--force', 'start a commit on a pipeline\'s output repo anyway (a repair by hand)')
      .addOption(outputOption())
      .addHelpText('after', TRANSACTION_HELP + ' The commit\'s ID is known only then.')
      .action(async (branch: string, opts) => {
        const txn = inTransaction(ctx, [opts.parent && '--parent', opts.force && '--force']);
        if (txn) return recordOp(ctx, txn, { kind: 'start_commit', branch, description: messageOf(opts) ?? '' }, opts);
        const commit = await ctx.client().startCommit(branch, { description: messageOf(opts), parent: opts.parent, force: !!opts.force });
        emit(ctx, formatOf(opts), () => commitJson(commit), () => commit.id);
      });
  },
};
