// tusk inspect file REPO@REF:/PATH
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { LocalReads } from '../local-reads.js';
import { formatFields, humanSize } from '../output.js';
import { splitFileRef } from '../refs.js';
import { usageError } from '../usage.js';
import { fileJson } from '../views.js';

export const inspectFile: CommandDef = {
  clients: 'files-on-demand', // a daemon on this machine answers over its HTTP API (local-reads.ts)
  words: ['inspect', 'file'],
  summary: 'Show a file\'s or folder\'s path, type, size, content hash and the commit it was read from.',
  examples: ['tusk inspect file images@master:/cats/tabby.png', 'tusk inspect file images@master^:/cats -o json'],
  define(cmd, ctx) {
    cmd
      .argument('<repo@ref:/path>', 'a branch or commit, and a path')
      .addOption(outputOption())
      .action(async (file: string, opts) => {
        const { path } = splitFileRef(file);
        if (!path) throw usageError(`inspect file needs a path: ${file}:/PATH`);
        const f = await new LocalReads(ctx).inspectFile(file);
        emit(ctx, formatOf(opts), () => fileJson(f), () => formatFields([['Path', f.path], ['Type', f.type], ['Size', humanSize(f.sizeBytes)], ['Hash', f.hash || '-'], ['Commit', f.commit]]));
      });
  },
};
