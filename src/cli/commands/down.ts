// tusk down [--home DIR]
import { tuskHome } from '../address.js';
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';

export const down: CommandDef = {
  words: ['down'],
  summary: 'Stop the background tuskd cleanly (SIGTERM) and wait until it has exited.',
  examples: ['tusk down', 'tusk down --home /data/tusk'],
  define(cmd, ctx) {
    cmd
      .option('--home <dir>', 'the home of the daemon to stop (default: $TUSK_HOME or ~/.tusk)')
      .addOption(outputOption())
      .action(async (opts) => {
        const home = tuskHome(ctx.env, opts.home);
        const { daemonDown } = await import('../daemon-control.js'); // node:child_process only for up and down
        const result = await daemonDown(home);
        emit(
          ctx,
          formatOf(opts),
          () => ({ stopped: result.pid !== undefined, pid: result.pid ?? null, home }),
          () =>
            result.pid !== undefined
              ? `tuskd stopped (pid ${result.pid})`
              : `tuskd is not running (home ${home}${result.stale ? ', stale pid file removed' : ''})`,
        );
      });
  },
};
