// tusk find commit REPO@REF --path P [-n N], or pachctl's REPO@REF:P
// Walks back from REF, parent by parent, and lists the commits whose change
// (against their parent) touched P or anything under it, newest first.
import type { Commit } from '../../client/index.js';
import { collect, emit, formatOf, outputOption, positiveInt, type CommandDef } from '../command.js';
import { splitFileRef, splitRepoRef } from '../refs.js';
import { usageError } from '../usage.js';
import { commitJson, commitTable } from '../views.js';

/** How far back the walk goes at most, so a long history stays bounded. */
const MAX_COMMITS = 10_000;

export const findCommit: CommandDef = {
  clients: 'files',
  words: ['find', 'commit'],
  summary: 'List the commits, from REF back, that changed a path (a file, or anything under a folder), newest first.',
  examples: ['tusk find commit images@master --path /cats/tabby.png', 'tusk find commit images@master:/cats -n 5 -o json   # as pachctl writes it'],
  define(cmd, ctx) {
    cmd
      .argument('<repo@ref>', 'where to start: a branch or commit (REPO@REF:PATH, as in pachctl, gives the path too)')
      .option('--path <path>', 'the file or folder')
      .option('-n, --number <n>', 'stop after n commits', positiveInt)
      .addOption(outputOption())
      .action(async (arg: string, opts) => {
        const { ref, path: inRef } = splitFileRef(arg);
        if (inRef !== undefined && opts.path !== undefined) throw usageError(`find commit takes the path once: ${arg} or --path ${opts.path}, not both`);
        const given: string | undefined = inRef ?? opts.path;
        if (given === undefined || given === '') throw usageError(`find commit needs a path: ${ref}:/PATH or --path PATH`);
        const { repo } = splitRepoRef(ref);
        const path = given.startsWith('/') ? given : `/${given}`;
        const limit: number = opts.number ?? Infinity;
        const found: { commit: Commit; changes: Awaited<ReturnType<typeof collect<any>>> }[] = [];
        let commit: Commit | undefined = await ctx.client().inspectCommit(ref);
        for (let i = 0; commit && i < MAX_COMMITS && found.length < limit; i++) {
          const changes = await collect(ctx.client().diffFile(`${repo}@${commit.id}:${path}`));
          if (changes.length > 0) found.push({ commit, changes });
          commit = commit.parentId ? await ctx.client().inspectCommit(`${repo}@${commit.parentId}`) : undefined;
        }
        emit(
          ctx,
          formatOf(opts),
          () => found.map((f) => ({ ...commitJson(f.commit), changes: f.changes.map((d) => ({ path: d.path, change: d.change, sizeBytes: d.sizeBytes })) })),
          () => commitTable(found.map((f) => f.commit), ctx.now(), opts.fullTimestamps === true),
        );
      });
  },
};
