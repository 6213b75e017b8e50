// tusk create repo NAME [-d TEXT]
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { repoJson } from '../views.js';

export const createRepo: CommandDef = {
  clients: 'files',
  words: ['create', 'repo'],
  summary: 'Create a new, empty repo.',
  examples: ['tusk create repo images', 'tusk create repo images -d "raw camera images"'],
  define(cmd, ctx) {
    cmd
      .argument('<repo>', 'repo name: 1-63 letters, digits, "_" or "-"')
      .option('-d, --description <text>', 'a description of the repo')
      .addOption(outputOption())
      .action(async (name: string, opts) => {
        const repo = await ctx.client().createRepo(name, { description: opts.description });
        emit(ctx, formatOf(opts), () => repoJson(repo), () => '');
      });
  },
};
