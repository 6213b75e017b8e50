// tusk delete repo NAME [--force]
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';

export const deleteRepo: CommandDef = {
  words: ['delete', 'repo'],
  summary: 'Delete a repo with its branches and commits (refused while a pipeline reads it, unless --force).',
  examples: ['tusk delete repo images', 'tusk delete repo images --force'],
  define(cmd, ctx) {
    cmd
      .argument('<repo>', 'repo name')
      .option('-f, --force', 'delete even if pipelines read the repo')
      .addOption(outputOption())
      .action(async (name: string, opts) => {
        await ctx.client().deleteRepo(name, !!opts.force);
        emit(ctx, formatOf(opts), () => ({ repo: name, deleted: true }), () => '');
      });
  },
};
