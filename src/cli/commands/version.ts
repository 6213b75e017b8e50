// tusk version
import { clientVersion } from '../client-version.js';
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { formatFields } from '../output.js';

interface DaemonVersion {
  version: string;
  storage: string;
  home: string;
  pid: number;
  /** Set when the daemon listens beyond loopback with access control off. */
  warning: string;
  authActive: boolean;
}

export const version: CommandDef = {
  clients: 'files',
  words: ['version'],
  summary: 'Print the versions of tusk and of the daemon it talks to.',
  examples: ['tusk version', 'tusk version -o json'],
  define(cmd, ctx) {
    cmd.addOption(outputOption()).action(async (opts) => {
      const format = formatOf(opts);
      const client = ctx.client();
      let daemon: DaemonVersion;
      try {
        daemon = (await client.version()) as DaemonVersion;
      } catch (err) {
        // The client's version is still worth printing before the error.
        if (format === 'table') ctx.stdout.write(formatFields([['tusk', clientVersion()]]));
        throw err;
      }
      emit(
        ctx,
        format,
        () => ({ client: clientVersion(), daemon: { version: daemon.version, address: client.address, storage: daemon.storage, home: daemon.home, pid: daemon.pid, auth: daemon.authActive, warning: daemon.warning || null } }),
        () => formatFields([['tusk', clientVersion()], ['tuskd', `${daemon.version} at ${client.address}`]]),
      );
      if (daemon.warning) ctx.stderr.write(`tusk: warning: ${daemon.warning}\n`);
    });
  },
};
