// Everything a command needs from the outside world, passed in rather than
// reached for: the standard streams, the environment, a clock, and a lazily
// opened TuskClient (closed by main when the command ends).
import type { Readable, Writable } from 'node:stream';
import { TuskClient } from '../client/index.js';
import { resolveAddress } from './address.js';

export interface CliIO {
  stdout: Writable;
  stderr: Writable;
  stdin: Readable;
  env: NodeJS.ProcessEnv;
  /** True when stderr is a terminal: progress bars are drawn only then. */
  stderrIsTTY: boolean;
  now: () => Date;
}

export interface CliContext extends CliIO {
  /** The client for the daemon at TUSK_ADDRESS / $TUSK_HOME/tuskd.json / localhost:1650, opened on first use. */
  client(): TuskClient;
  /** The address client() connects to. */
  address(): string;
  /** Closes the client if one was opened. */
  close(): void;
}

export function createContext(io: CliIO, connect: (address: string) => TuskClient = (a) => new TuskClient(a)): CliContext {
  let client: TuskClient | undefined;
  return {
    ...io,
    client() {
      client ??= connect(resolveAddress(io.env));
      return client;
    },
    address() {
      return client?.address ?? resolveAddress(io.env);
    },
    close() {
      client?.close();
      client = undefined;
    },
  };
}

export function processIO(): CliIO {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    stderrIsTTY: !!process.stderr.isTTY,
    now: () => new Date(),
  };
}
