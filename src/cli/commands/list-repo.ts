// tusk list repo
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { LocalReads } from '../local-reads.js';
import { repoJson, repoTable } from '../views.js';

export const listRepo: CommandDef = {
  clients: 'files-on-demand', // a daemon on this machine answers over its HTTP API (local-reads.ts)
  words: ['list', 'repo'],
  summary: 'List every repo with its size and branches.',
  examples: ['tusk list repo', 'tusk list repo -o json'],
  define(cmd, ctx) {
    cmd.addOption(outputOption()).action(async (opts) => {
      const repos = await new LocalReads(ctx).listRepos();
      emit(ctx, formatOf(opts), () => repos.map(repoJson), () => repoTable(repos, ctx.now(), opts.fullTimestamps === true));
    });
  },
};
