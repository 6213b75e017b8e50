// The command definitions a command line can reach (reachableCommands in
// ../program.ts), loaded when main asks for them. From the sources (tests,
// dist/src) every command is imported; the CLI bundle replaces this module
// with a table of each first word's own commands (scripts/bundle-cli.mjs), so
// that `tusk version --help` loads and runs the code of `version` only, and the
// whole tree is loaded only by the command lines that need it.
import type { CommandDef } from '../command.js';
import { reachableCommands } from '../program.js';

export async function loadReachableCommands(argv: readonly string[]): Promise<readonly CommandDef[]> {
  const { COMMANDS } = await import('./index.js');
  return reachableCommands(argv, COMMANDS);
}
