// tusk diff file REPO@REF [REPO@OLDREF]
import { collect, emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { diffJson, diffTable } from '../views.js';

export const diffFile: CommandDef = {
  clients: 'files',
  words: ['diff', 'file'],
  summary: 'Show the files added, modified and deleted between two commits (default old: the parent).',
  examples: ['tusk diff file images@master', 'tusk diff file images@master images@master^3', 'tusk diff file images@master:/cats images@staging'],
  define(cmd, ctx) {
    cmd
      .argument('<repo@ref>', 'the newer commit (optionally :/dir to look at one folder)')
      .argument('[repo@oldref]', 'the older commit (default: the parent of the newer one)')
      .addOption(outputOption())
      .action(async (newRef: string, oldRef: string | undefined, opts) => {
        const entries = await collect(ctx.client().diffFile(newRef, oldRef ?? ''));
        emit(ctx, formatOf(opts), () => entries.map(diffJson), () => diffTable(entries));
      });
  },
};
