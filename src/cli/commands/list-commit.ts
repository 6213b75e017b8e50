// tusk list commit REPO[@BRANCH] [-n N]
import { emit, formatOf, outputOption, positiveInt, type CommandDef } from '../command.js';
import { LocalReads } from '../local-reads.js';
import { splitRepoRef } from '../refs.js';
import { commitJson, commitTable } from '../views.js';

export const listCommit: CommandDef = {
  clients: 'files-on-demand', // a daemon on this machine answers over its HTTP API (local-reads.ts)
  words: ['list', 'commit'],
  summary: 'List a repo\'s commits (or one branch\'s history), newest first.',
  examples: ['tusk list commit images', 'tusk list commit images@master -n 10'],
  define(cmd, ctx) {
    cmd
      .argument('<repo[@branch]>', 'a repo (all its commits) or a branch (its ancestry)')
      .option('-n, --number <n>', 'show at most n commits', positiveInt)
      .addOption(outputOption())
      .action(async (ref: string, opts) => {
        const { repo, name } = splitRepoRef(ref);
        const commits = await new LocalReads(ctx).listCommits(repo, name, opts.number ?? 0);
        emit(ctx, formatOf(opts), () => commits.map(commitJson), () => commitTable(commits, ctx.now()));
      });
  },
};
