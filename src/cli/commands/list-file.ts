// tusk list file REPO@REF[:/DIR] [--limit N] [--start-after PATH] [--history N]
import type { FileInfo } from '../../client/index.js';
import { collect, emit, formatOf, outputOption, positiveInt, type CommandDef } from '../command.js';
import { printListing } from '../file-listing.js';
import { listingBatches } from '../local-listing.js';
import { formatTable, humanSize } from '../output.js';
import { splitFileRef, splitRepoRef } from '../refs.js';
import { usageError } from '../usage.js';
import type { FilesContext } from '../context.js';
import { fileJson } from '../views.js';

/** How far back --history looks, at most (commits), so a long history with few changes stays bounded. */
const MAX_HISTORY_COMMITS = 1000;

export const listFile: CommandDef = {
  clients: 'files-on-demand', // a daemon on this machine lists over its HTTP API (local-listing.ts)
  words: ['list', 'file'],
  summary: 'List the files and folders in a folder of a commit (default: the root); --history N also lists earlier versions.',
  examples: [
    'tusk list file images@master',
    'tusk list file images@master:/cats',
    'tusk list file images@master^2:/ -o json',
    'tusk list file images@master:/cats --limit 1000 --start-after /cats/f0000999   # one page',
    'tusk list file images@master:/cats --history 3   # each file and its 2 earlier versions',
  ],
  define(cmd, ctx) {
    cmd
      .argument('<repo@ref[:/dir]>', 'a branch or commit, and a folder')
      .option('--history <n>', 'up to N versions of each entry, newest first, from the commits before REF that changed it (-1 or all: every one)')
      .option('--limit <n>', 'at most N entries (one page)', positiveInt)
      .option('--start-after <path>', 'only entries after PATH in listing order (a folder sorts as NAME/): the next page after PATH')
      .addOption(outputOption())
      .action(async (dir: string, opts) => {
        const target = dir.includes(':') ? dir : `${dir}:/`;
        if (opts.history === undefined) {
          const page = { limit: opts.limit as number | undefined, startAfter: opts.startAfter as string | undefined };
          const { ref, path } = splitFileRef(target);
          await printListing(ctx, formatOf(opts), listingBatches(ctx, { kind: 'list', ref, path: path!, ...page }), page.limit);
          return;
        }
        if (opts.limit !== undefined || opts.startAfter !== undefined) throw usageError('--history lists every entry: drop --limit and --start-after');
        const n = opts.history === 'all' ? -1 : Number(opts.history);
        if (!Number.isInteger(n) || n === 0 || n < -1) throw usageError(`--history ${opts.history}: a positive number, or all (-1)`);
        await ctx.loadClient();
        const versions = await history(ctx, target, n === -1 ? Infinity : n);
        emit(ctx, formatOf(opts), () => versions.map(fileJson), () => formatTable(['NAME', 'TYPE', 'SIZE', 'COMMIT'], versions.map((f) => [f.path + (f.type === 'dir' ? '/' : ''), f.type, humanSize(f.sizeBytes), f.commit])));
      });
  },
};

/** The entries at `target` and their earlier versions (a version: the commit where the entry's content last changed). */
async function history(ctx: FilesContext, target: string, limit: number): Promise<FileInfo[]> {
  const { ref, path } = splitFileRef(target);
  const { repo } = splitRepoRef(ref);
  let commit = await ctx.client().inspectCommit(ref);
  const versions = new Map<string, FileInfo[]>();
  const order: string[] = [];
  for (let step = 0; step < MAX_HISTORY_COMMITS; step++) {
    const here = await collect(ctx.client().listFile(`${repo}@${commit.id}:${path ?? '/'}`)).catch(() => [] as FileInfo[]);
    for (const f of here) {
      if (step > 0 && !versions.has(f.path)) continue; // only the entries REF has
      const list = versions.get(f.path) ?? [];
      if (!versions.has(f.path)) {
        versions.set(f.path, list);
        order.push(f.path);
      }
      const last = list[list.length - 1];
      if (last && last.hash === f.hash && last.sizeBytes === f.sizeBytes) last.commit = commit.id; // unchanged: the version is older
      else if (list.length < limit) list.push({ ...f, commit: commit.id });
    }
    const full = order.length > 0 && order.every((p) => versions.get(p)!.length >= limit);
    if (full || !commit.parentId) break;
    commit = await ctx.client().inspectCommit(`${repo}@${commit.parentId}`);
  }
  return order.flatMap((p) => versions.get(p)!);
}
