// tusk update repo NAME -d TEXT
// pachctl's way to change a repo's description (CreateRepo with update set):
// the repo is created when it does not exist, as in pachctl.
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { usageError } from '../usage.js';
import { repoJson } from '../views.js';

export const updateRepo: CommandDef = {
  clients: 'files',
  words: ['update', 'repo'],
  summary: 'Change a repo\'s description (a repo that does not exist is created, as pachctl does).',
  examples: ['tusk update repo images -d "raw camera images, 2024 on"'],
  define(cmd, ctx) {
    cmd
      .argument('<repo>', 'repo name')
      .option('-d, --description <text>', 'the new description')
      .addOption(outputOption())
      .action(async (name: string, opts) => {
        if (opts.description === undefined) throw usageError('update repo sets the description: give -d TEXT (-d "" clears it)');
        const repo = await ctx.client().createRepo(name, { description: opts.description, update: true });
        emit(ctx, formatOf(opts), () => repoJson(repo), () => '');
      });
  },
};
