// tusk list commit REPO[@BRANCH] [-n N] [--origin user|auto|alias] [--from COMMIT] [--all] | GLOBAL_ID
import { Option } from 'commander';
import { emit, formatOf, outputOption, positiveInt, type CommandDef } from '../command.js';
import { LocalReads } from '../local-reads.js';
import { CommitNotFound } from '../../errors/index.js';
import { isGlobalId, splitRepoRef } from '../refs.js';
import { commitJson, commitTable } from '../views.js';

export const listCommit: CommandDef = {
  clients: 'files-on-demand', // a daemon on this machine answers over its HTTP API (local-reads.ts)
  words: ['list', 'commit'],
  summary: 'List a repo\'s commits (or one branch\'s history), newest first.',
  examples: ['tusk list commit images', 'tusk list commit images@master -n 10', 'tusk list commit 0f1e2d3c4b5a69788796a5b4c3d2e1f0   # every commit with this global ID'],
  define(cmd, ctx) {
    cmd
      .argument('<repo[@branch]>', 'a repo (all its commits), a branch (its ancestry), or a global commit ID (every commit of its set, as pachctl lists it)')
      .option('-n, --number <n>', 'show at most n commits', positiveInt)
      .addOption(new Option('--origin <origin>', 'only commits of this origin: user (put by hand), auto (a pipeline\'s output), alias (an unchanged copy); pachctl\'s upper case works too').choices(['user', 'auto', 'alias', 'USER', 'AUTO', 'ALIAS']))
      .option('--from <commit>', 'only the commits made after this one (pachctl\'s --from), newest first')
      .option('--all', 'every commit, aliases too: the default here (pachctl hides alias commits without it)')
      .addOption(outputOption())
      .action(async (ref: string, opts) => {
        if (isGlobalId(ref)) {
          await ctx.loadClient();
          const set = await ctx.client().inspectCommitSet(ref);
          const commits = opts.number ? set.slice(0, opts.number) : set;
          emit(ctx, formatOf(opts), () => commits.map(commitJson), () => commitTable(commits, ctx.now(), opts.fullTimestamps === true));
          return;
        }
        const { repo, name } = splitRepoRef(ref);
        const origin = (opts.origin as string | undefined)?.toLowerCase();
        const from = opts.from as string | undefined;
        // With --origin or --from, the commits are filtered here: -n counts the ones that match.
        let commits = await new LocalReads(ctx).listCommits(repo, name, origin || from ? 0 : (opts.number ?? 0));
        if (from !== undefined) {
          const at = commits.findIndex((c) => c.id === from);
          if (at < 0) throw new CommitNotFound(repo, from, `--from ${from} is not a commit of ${ref}`);
          commits = commits.slice(0, at);
        }
        if (origin) commits = commits.filter((c) => c.origin === origin);
        if (origin || from) commits = commits.slice(0, opts.number ?? Infinity);
        emit(ctx, formatOf(opts), () => commits.map(commitJson), () => commitTable(commits, ctx.now(), opts.fullTimestamps === true));
      });
  },
};
