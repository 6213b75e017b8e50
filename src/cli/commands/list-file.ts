// tusk list file REPO@REF[:/DIR]
import { collect, emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { fileJson, fileTable } from '../views.js';

export const listFile: CommandDef = {
  words: ['list', 'file'],
  summary: 'List the files and folders in a folder of a commit (default: the root).',
  examples: ['tusk list file images@master', 'tusk list file images@master:/cats', 'tusk list file images@master^2:/ -o json'],
  define(cmd, ctx) {
    cmd
      .argument('<repo@ref[:/dir]>', 'a branch or commit, and a folder')
      .addOption(outputOption())
      .action(async (dir: string, opts) => {
        const files = await collect(ctx.client().listFile(dir.includes(':') ? dir : `${dir}:/`));
        emit(ctx, formatOf(opts), () => files.map(fileJson), () => fileTable(files));
      });
  },
};
