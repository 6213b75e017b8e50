// tusk glob file REPO@REF:PATTERN [--limit N] [--start-after PATH]
import { formatOf, outputOption, positiveInt, type CommandDef } from '../command.js';
import { printListing } from '../file-listing.js';
import { listingBatches } from '../local-listing.js';
import { splitFileRef } from '../refs.js';
import { usageError } from '../usage.js';

export const globFile: CommandDef = {
  clients: 'files-on-demand', // a daemon on this machine answers over its HTTP API (local-listing.ts)
  words: ['glob', 'file'],
  summary: 'List the files and folders of a commit whose paths match a glob pattern.',
  examples: [
    'tusk glob file images@master:/cats/*.png',
    'tusk glob file "images@master:/**/*.jpg" -o json',
    'tusk glob file "images@master:/f00001*" --limit 50   # a literal prefix seeks straight to it',
  ],
  define(cmd, ctx) {
    cmd
      .argument('<repo@ref:pattern>', 'a branch or commit, and a glob (*, **, ?, [abc], {a,b})')
      .option('--limit <n>', 'at most N matches (one page)', positiveInt)
      .option('--start-after <path>', 'only matches after PATH in listing order (a folder sorts as NAME/): the next page after PATH')
      .addOption(outputOption())
      .action(async (text: string, opts) => {
        const { ref, path } = splitFileRef(text);
        if (!path) throw usageError(`glob file needs a pattern: ${text}:PATTERN`);
        const page = { limit: opts.limit as number | undefined, startAfter: opts.startAfter as string | undefined };
        await printListing(ctx, formatOf(opts), listingBatches(ctx, { kind: 'glob', ref, path, ...page }), page.limit);
      });
  },
};
