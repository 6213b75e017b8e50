// `tusk`'s entry: parse the words, run the command, and turn the outcome into
// the exit status DESIGN.md promises: 0 success; 1 an error, reported as one
// line `tusk: <message>` on stderr; 2 a usage error.
import { CommanderError } from 'commander';
import { isTuskError } from '../errors/index.js';
import { COMMANDS } from './commands/index.js';
import { clientConnectors, createContext, processIO, type CliIO } from './context.js';
import { oneLine } from './output.js';
import { buildProgram, reachableCommands } from './program.js';
import { isUsageError } from './usage.js';

export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;

export async function main(words: readonly string[], io: CliIO = processIO()): Promise<number> {
  const argv = helpAsFlag(words);
  const clients = clientConnectors();
  const ctx = createContext(io, clients);
  // gRPC only for a command that runs, not for --help; a file command's client only, or none until it asks.
  const program = buildProgram(ctx, reachableCommands(argv, COMMANDS), async (def) => {
    if (def.clients !== 'files-on-demand' && def.clients !== 'on-demand') await clients.load(def.clients ?? 'all');
  });
  try {
    // A daemon that accepted the connection but does not answer ends the command (its calls would wait for ever).
    await Promise.race([program.parseAsync([...argv], { from: 'user' }), ctx.silent]);
    return EXIT_OK;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE; // commander printed it
    if ((err as NodeJS.ErrnoException)?.code === 'EPIPE') return EXIT_OK; // reader went away (`| head`)
    ctx.err.write(`tusk: ${oneLine(messageOf(err, ctx.address()))}\n`);
    return isUsageError(err) ? EXIT_USAGE : EXIT_ERROR;
  } finally {
    ctx.close();
  }
}

/**
 * `tusk help put file` is `tusk put file --help`, as in pachctl (cobra): commander's own help command
 * takes one word, so it showed the help of the group `put`.
 */
export function helpAsFlag(argv: readonly string[]): readonly string[] {
  if (argv[0] !== 'help' || argv.length < 2 || argv[1] === 'help' || argv.some((w) => w.startsWith('-'))) return argv;
  // An unknown word is said as `tusk WORD` says it: one line `unknown command 'WORD'` (with commander's suggestion), exit 2.
  // Commander's own help command printed the whole command list instead.
  if (!COMMANDS.some((def) => def.words[0] === argv[1])) return argv.slice(1);
  return [...argv.slice(1), '--help'];
}

function messageOf(err: unknown, address: string): string {
  if (isTuskError(err) && err.code === 'DaemonUnavailable') return `cannot reach tuskd at ${address} (is it running? start it with \`tusk up\`)`;
  if (isTuskError(err) && err.code === 'DaemonSilent') return `tuskd at ${address} ${err.message.replace(/^tuskd /, '')}`;
  if (isTuskError(err) && (err.code === 'DaemonUntrusted' || err.code === 'NotTuskd')) return `${address}: ${err.message}`;
  if (isTuskError(err)) return err.message;
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}
