// tusk auth whoami
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { formatFields } from '../output.js';

export const authWhoami: CommandDef = {
  words: ['auth', 'whoami'],
  summary: 'Show who the stored token speaks for.',
  examples: ['tusk auth whoami', 'tusk auth whoami -o json'],
  define(cmd, ctx) {
    cmd.addOption(outputOption()).action(async (opts) => {
      const me = await ctx.auth().whoAmI();
      emit(
        ctx,
        formatOf(opts),
        () => ({ active: me.active, subject: me.subject || null, clusterRole: me.clusterRole || null, expires: me.expires || null }),
        () =>
          me.active
            ? formatFields([['SUBJECT', me.subject], ['CLUSTER ROLE', me.clusterRole || '-'], ['EXPIRES', me.expires || 'never']])
            : 'Access control is off: every caller may do everything (tusk auth activate turns it on).',
      );
    });
  },
};
