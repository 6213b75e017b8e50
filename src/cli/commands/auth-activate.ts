// tusk auth activate
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { storeToken } from '../config-file.js';

export const authActivate: CommandDef = {
  words: ['auth', 'activate'],
  summary: 'Turn access control on; prints the root token (user:root, clusterAdmin) once and logs you in with it.',
  examples: ['tusk auth activate'],
  define(cmd, ctx) {
    cmd.addOption(outputOption()).action(async (opts) => {
      const res = await ctx.auth().activate();
      const config = storeToken(ctx.env, res.rootToken);
      emit(
        ctx,
        formatOf(opts),
        () => ({ subject: res.subject, token: res.rootToken, config }),
        () =>
          `Access control is on. The root token (${res.subject}, clusterAdmin) is shown only this once; keep it safe:\n${res.rootToken}\n` +
          `You are logged in with it (${config}). Give others their own: tusk auth get-robot-token user:NAME`,
      );
    });
  },
};
