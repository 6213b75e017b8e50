// tusk auth logout: forgets the token `tusk auth login` stored (and the active
// context's, as pachctl forgets the current context's), so later commands
// carry none. The daemon is not asked: the token stays valid until it expires
// or is revoked (tusk auth revoke).
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { configPath, readConfig, writeKeys } from '../config-file.js';
import { readConfig as readContexts, writeConfig as writeContexts } from '../contexts.js';

export const authLogout: CommandDef = {
  clients: 'on-demand', // no daemon: only the config file changes
  words: ['auth', 'logout'],
  summary: 'Forget the stored token (and the active context\'s), as pachctl auth logout; the token itself stays valid until it expires or is revoked.',
  examples: ['tusk auth logout'],
  define(cmd, ctx) {
    cmd.addOption(outputOption()).action(async (opts) => {
      const path = configPath(ctx.env);
      let forgot = typeof readConfig(path).token === 'string';
      if (forgot) writeKeys(ctx.env, { token: undefined });
      const contexts = readContexts(ctx.env);
      const active = contexts.active ? contexts.contexts[contexts.active] : undefined;
      if (active?.token) {
        delete active.token;
        writeContexts(ctx.env, contexts);
        forgot = true;
      }
      const still = ctx.env.TUSK_AUTH_TOKEN ? ' TUSK_AUTH_TOKEN is still set, and commands still send it.' : '';
      emit(ctx, formatOf(opts), () => ({ loggedOut: forgot, config: path, envToken: !!ctx.env.TUSK_AUTH_TOKEN }), () => `${forgot ? `Logged out: the token stored in ${path} is forgotten.` : 'No token was stored.'}${still}`);
    });
  },
};
