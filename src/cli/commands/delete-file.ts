// tusk delete file REPO@BRANCH:/PATH [-r] [-m MSG]
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { splitFileRef } from '../refs.js';
import { usageError } from '../usage.js';
import { commitJson } from '../views.js';

export const deleteFile: CommandDef = {
  clients: 'files',
  words: ['delete', 'file'],
  summary: 'Delete a file or folder from a branch (as one commit, or in the open commit); prints the commit ID.',
  examples: ['tusk delete file images@master:/cats/tabby.png', 'tusk delete file images@master:/cats', 'tusk delete file -r images@master:/cats   # as pachctl writes it'],
  define(cmd, ctx) {
    cmd
      .argument('<repo@branch:/path>', 'a branch (or an open commit\'s ID) and the path to delete')
      .option('-r, --recursive', 'pachctl\'s flag for a folder: accepted (a folder is deleted with everything in it, -r or not)')
      .option('-m, --message <text>', 'description of the commit, when one is made for this change')
      .option('--force', 'write to a pipeline\'s output repo anyway (a repair by hand)')
      .addOption(outputOption())
      .action(async (text: string, opts) => {
        const { ref, path } = splitFileRef(text);
        if (!path) throw usageError(`delete file needs a path: ${text}:/PATH`);
        const writer = await ctx.client().modifyFile(ref, { description: opts.message, force: !!opts.force });
        let response;
        try {
          await writer.deleteFile(path);
          response = await writer.close();
        } catch (err) {
          writer.abort();
          throw err;
        }
        const commit = response.commit!;
        emit(ctx, formatOf(opts), () => commitJson(commit), () => commit.id);
      });
  },
};
