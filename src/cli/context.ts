// Everything a command needs from the outside world, passed in rather than
// reached for: the standard streams, the environment, a clock, and lazily
// opened clients for the file system (TuskClient) and the pipeline system
// (PpsClient), both at the same address and closed by main when the command ends.
// The client module (gRPC, protobuf) is imported only when a command is about
// to run (clientConnectors().load), so `--help` and usage errors start fast.
import type { Readable, Writable } from 'node:stream';
import type { PpsClient, TuskClient } from '../client/index.js';
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
  /** The pipeline client (PpsApi) for the same daemon, opened on first use. */
  pps(): PpsClient;
  /** The address client() and pps() connect to. */
  address(): string;
  /** Closes the clients that were opened. */
  close(): void;
}

/** Opens the real clients, once `load` has imported the client module. */
export interface ClientConnectors {
  load(): Promise<void>;
  tusk(address: string): TuskClient;
  pps(address: string): PpsClient;
}

export function clientConnectors(): ClientConnectors {
  let loaded: typeof import('../client/index.js') | undefined;
  const client = () => {
    if (!loaded) throw new Error('the client module is used before it was loaded');
    return loaded;
  };
  return {
    async load() {
      loaded ??= await import('../client/index.js');
    },
    tusk: (address) => new (client().TuskClient)(address),
    pps: (address) => new (client().PpsClient)(address),
  };
}

export function createContext(io: CliIO, connect: (address: string) => TuskClient, connectPps: (address: string) => PpsClient): CliContext {
  let client: TuskClient | undefined;
  let pps: PpsClient | undefined;
  let address: string | undefined;
  const where = () => (address ??= client?.address ?? resolveAddress(io.env));
  return {
    ...io,
    client() {
      client ??= connect(where());
      return client;
    },
    pps() {
      pps ??= connectPps(where());
      return pps;
    },
    address() {
      return where();
    },
    close() {
      client?.close();
      pps?.close();
      client = undefined;
      pps = undefined;
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
