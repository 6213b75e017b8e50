// tusk diff file REPO@REF [REPO@OLDREF] [--name-only] [-s|--shallow]
import { isTuskError } from '../../errors/index.js';
import { collect, emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { diffJson, diffTable } from '../views.js';

export const diffFile: CommandDef = {
  clients: 'files',
  words: ['diff', 'file'],
  summary: 'Show the files added, modified and deleted between two commits (default old: the parent).',
  examples: ['tusk diff file images@master', 'tusk diff file images@master images@master^3', 'tusk diff file images@master:/cats images@staging', 'tusk diff file images@master --name-only'],
  define(cmd, ctx) {
    cmd
      .argument('<repo@ref>', 'the newer commit (optionally :/dir to look at one folder)')
      .argument('[repo@oldref]', 'the older commit (default: the parent of the newer one)')
      .option('-s, --shallow', 'one level only: a change in a subfolder shows as that folder (added, deleted or modified, with the sizes summed)')
      .option('--name-only', 'print only the changed paths, one a line (with -o json: an array of paths)')
      .addOption(outputOption())
      .action(async (newRef: string, oldRef: string | undefined, opts) => {
        let entries = await collect(ctx.client().diffFile(newRef, oldRef ?? ''));
        if (opts.shallow) {
          const { diffBase, shallowDiff } = await import('../shallow-diff.js');
          const commitOf = (ref: string) => ref.split(':')[0]!;
          const sides = { new: commitOf(newRef), old: oldRef ? commitOf(oldRef) : `${commitOf(newRef)}^` };
          // A folder missing on one side (or the side itself: the first commit has no parent) is not there.
          const exists = (side: 'old' | 'new', folder: string) => ctx.client().inspectFile(`${sides[side]}:${folder}`).then(() => true, (err: unknown) => (isTuskError(err) && err.kind === 'not_found' ? false : Promise.reject(err)));
          entries = await shallowDiff(entries, diffBase(newRef), exists);
        }
        if (opts.nameOnly) emit(ctx, formatOf(opts), () => entries.map((e) => e.path), () => entries.map((e) => e.path).join('\n'));
        else emit(ctx, formatOf(opts), () => entries.map(diffJson), () => diffTable(entries));
      });
  },
};
