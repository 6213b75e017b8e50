// tusk list repo
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { repoJson, repoTable } from '../views.js';

export const listRepo: CommandDef = {
  clients: 'files',
  words: ['list', 'repo'],
  summary: 'List every repo with its size and branches.',
  examples: ['tusk list repo', 'tusk list repo -o json'],
  define(cmd, ctx) {
    cmd.addOption(outputOption()).action(async (opts) => {
      const repos = await ctx.client().listRepos();
      emit(ctx, formatOf(opts), () => repos.map(repoJson), () => repoTable(repos, ctx.now()));
    });
  },
};
