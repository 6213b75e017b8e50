// tusk auth login [--token T]
import { InvalidArgument, isTuskError, TuskError } from '../../errors/index.js';
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { storeToken } from '../config-file.js';

export const authLogin: CommandDef = {
  words: ['auth', 'login'],
  summary: 'Store a token (from --token or the first line of stdin) for later commands, after checking it with the daemon.',
  examples: ['tusk auth login --token "$TOKEN"', 'tusk auth login < token.txt'],
  define(cmd, ctx) {
    cmd
      .option('--token <token>', 'the token (default: read one line from stdin)')
      .addOption(outputOption())
      .action(async (opts: { token?: string; output?: string }) => {
        const token = (opts.token ?? (await firstLine(ctx.stdin))).trim();
        if (!token) throw new InvalidArgument('NoToken', 'no token: pass --token TOKEN or give it on stdin');
        const me = await ctx
          .auth(token)
          .whoAmI()
          .catch((err: unknown) => {
            // The daemon's text says to run auth login, which is what the user just did.
            if (!isTuskError(err) || err.code !== 'Unauthenticated') throw err;
            const why = typeof err.data.reason === 'string' ? ` (${err.data.reason})` : '';
            throw new TuskError('unauthenticated', 'TokenRefused', `tuskd refused that token${why}: ask a clusterAdmin for a new one (tusk auth get-robot-token SUBJECT)`, { ...err.data });
          });
        if (!me.active) throw new InvalidArgument('AuthOff', 'access control is not activated on this daemon: there is nothing to log in to');
        const config = storeToken(ctx.env, token);
        emit(ctx, formatOf(opts), () => ({ subject: me.subject, expires: me.expires || null, config }), () => `Logged in as ${me.subject}${me.expires ? ` until ${me.expires}` : ''}.`);
      });
  },
};

async function firstLine(stdin: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return text.split('\n')[0] ?? '';
}
