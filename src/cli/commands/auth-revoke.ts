// tusk auth revoke TOKEN | --user SUBJECT
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { usageError } from '../usage.js';

export const authRevoke: CommandDef = {
  words: ['auth', 'revoke'],
  summary: 'Revoke one token, or every token of a user or robot (--user).',
  examples: ['tusk auth revoke "$TOKEN"', 'tusk auth revoke --user alice', 'tusk auth revoke --user robot:ci'],
  define(cmd, ctx) {
    cmd
      .argument('[token]', 'the token to revoke')
      .option('--user <subject>', 'revoke every token of this subject (NAME means user:NAME; robot:NAME for a robot)')
      .addOption(outputOption())
      .action(async (token: string | undefined, opts: { user?: string; output?: string }) => {
        if (!token === !opts.user) throw usageError('give a TOKEN or --user SUBJECT (not both)');
        const revoked = await ctx.auth().revoke(token ? { token } : { subject: opts.user! });
        emit(ctx, formatOf(opts), () => ({ revoked }), () => `Revoked ${revoked} token${revoked === 1 ? '' : 's'}.`);
      });
  },
};
