// tusk auth get-robot-token NAME [--ttl D]
import { parseTtl } from '../../auth/index.js';
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { usageError } from '../usage.js';

export const authGetRobotToken: CommandDef = {
  words: ['auth', 'get-robot-token'],
  summary: 'Issue a token for robot:NAME (or user:NAME); clusterAdmin only. Prints the token.',
  examples: ['tusk auth get-robot-token ci --ttl 30d', 'tusk auth get-robot-token user:alice'],
  define(cmd, ctx) {
    cmd
      .argument('<name>', 'robot name (robot:NAME), or user:NAME for a person')
      .option('--ttl <duration>', 'lifetime such as 30d, 12h, 90m (default: never expires)')
      .addOption(outputOption())
      .action(async (name: string, opts: { ttl?: string; output?: string }) => {
        let ttlSeconds = 0;
        if (opts.ttl !== undefined) {
          const ms = parseTtl(opts.ttl);
          if (ms === undefined) throw usageError(`--ttl: "${opts.ttl}" is not a duration (e.g. 30d, 12h, 90m, 1h30m)`);
          ttlSeconds = Math.ceil(ms / 1000);
        }
        const res = await ctx.auth().getRobotToken(name, ttlSeconds);
        emit(ctx, formatOf(opts), () => ({ subject: res.subject, token: res.token, expires: res.expires || null }), () => res.token);
      });
  },
};
