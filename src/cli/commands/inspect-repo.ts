// tusk inspect repo NAME
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { LocalReads } from '../local-reads.js';
import { repoFields, repoJson } from '../views.js';

export const inspectRepo: CommandDef = {
  clients: 'files-on-demand', // a daemon on this machine answers over its HTTP API (local-reads.ts)
  words: ['inspect', 'repo'],
  summary: 'Show a repo\'s details, and the bytes it stores and holds alone.',
  examples: ['tusk inspect repo images'],
  define(cmd, ctx) {
    cmd
      .argument('<repo>', 'repo name')
      .addOption(outputOption())
      .action(async (name: string, opts) => {
        const repo = await new LocalReads(ctx).inspectRepo(name);
        emit(ctx, formatOf(opts), () => ({ ...repoJson(repo), storedBytes: repo.storedBytes, uniqueBytes: repo.uniqueBytes }), () => repoFields(repo, ctx.now(), true));
      });
  },
};
