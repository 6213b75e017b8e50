// tusk glob file REPO@REF:PATTERN
import { collect, emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { splitFileRef } from '../refs.js';
import { usageError } from '../usage.js';
import { fileJson, fileTable } from '../views.js';

export const globFile: CommandDef = {
  words: ['glob', 'file'],
  summary: 'List the files and folders of a commit whose paths match a glob pattern.',
  examples: ['tusk glob file images@master:/cats/*.png', 'tusk glob file "images@master:/**/*.jpg" -o json'],
  define(cmd, ctx) {
    cmd
      .argument('<repo@ref:pattern>', 'a branch or commit, and a glob (*, **, ?, [abc], {a,b})')
      .addOption(outputOption())
      .action(async (text: string, opts) => {
        const { ref, path } = splitFileRef(text);
        if (!path) throw usageError(`glob file needs a pattern: ${text}:PATTERN`);
        const files = await collect(ctx.client().globFile(ref, path));
        emit(ctx, formatOf(opts), () => files.map(fileJson), () => fileTable(files));
      });
  },
};
