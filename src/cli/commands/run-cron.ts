// tusk run cron NAME [--input I]
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';

export const runCron: CommandDef = {
  words: ['run', 'cron'],
  summary: 'Tick a pipeline\'s cron inputs now (as if their schedule fired); prints the tick commits.',
  examples: ['tusk run cron nightly', 'tusk run cron nightly --input tick'],
  define(cmd, ctx) {
    cmd
      .argument('<name>', 'pipeline name')
      .option('--input <name>', 'tick only this cron input (default: all of them)')
      .addOption(outputOption())
      .action(async (name: string, opts) => {
        const ticks = await ctx.pps().runCron(name, opts.input ?? '');
        emit(ctx, formatOf(opts), () => ticks.map((t) => ({ repo: t.repo, branch: t.branch, id: t.id })), () => ticks.map((t) => `${t.repo}@${t.id}`).join('\n'));
      });
  },
};
