// tusk copy file SRC_REPO@REF:/PATH DST_REPO@BRANCH[:/PATH] [-m MSG]
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { splitFileRef } from '../refs.js';
import { usageError } from '../usage.js';
import { commitJson } from '../views.js';

export const copyFile: CommandDef = {
  clients: 'files',
  words: ['copy', 'file'],
  summary: 'Copy a file or folder to another path, branch or repo by reference: no bytes are copied, whatever the size. Prints the commit ID.',
  examples: [
    'tusk copy file images@master:/cats/tabby.png images@master:/best/tabby.png',
    'tusk copy file images@master:/cats training@master:/    # the folder → /cats',
    'tusk copy file raw@v1:/2024 clean@master:/2024 -o json',
  ],
  define(cmd, ctx) {
    cmd
      .argument('<src>', 'the source: REPO@REF:/PATH (a file or a folder)')
      .argument('<dst>', 'the destination: REPO@BRANCH:/PATH (a path ending in / receives the source under its name), or an open commit')
      .option('-m, --message <text>', 'description of the commit, when one is made for this copy')
      .option('--force', 'write to a pipeline\'s output repo anyway (a repair by hand)')
      .addOption(outputOption())
      .action(async (src: string, dst: string, opts) => {
        if (!splitFileRef(src).path) throw usageError(`copy file needs a source path: ${src}:/PATH`);
        const res = await ctx.client().copyFile(src, dst, opts.message ?? '', !!opts.force);
        const commit = res.commit!;
        emit(ctx, formatOf(opts), () => ({ ...commitJson(commit), filesWritten: res.filesWritten, bytesWritten: res.bytesWritten }), () => commit.id);
      });
  },
};
