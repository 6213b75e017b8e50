// Everything a command needs from the outside world, passed in rather than
// reached for: the standard streams, the environment, a clock, and lazily
// opened clients for the file system (TuskClient) and the pipeline system
// (PpsClient), both at the same address and closed by main when the command ends.
import type { Readable, Writable } from 'node:stream';
import { AuthClient, PpsClient, TuskClient, tlsCa, type ConnectOptions } from '../client/index.js';
import { resolveAddress } from './address.js';
import { storedToken } from './config-file.js';

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
  /** The access-control client (AuthApi) for the same daemon, opened on first use; `token` overrides the stored one. */
  auth(token?: string): AuthClient;
  /** The address client() and pps() connect to. */
  address(): string;
  /** Closes the clients that were opened. */
  close(): void;
}

export function createContext(
  io: CliIO,
  connect: (address: string, options: ConnectOptions) => TuskClient = (a, o) => new TuskClient(a, o),
  connectPps: (address: string, options: ConnectOptions) => PpsClient = (a, o) => new PpsClient(a, o),
): CliContext {
  let client: TuskClient | undefined;
  let pps: PpsClient | undefined;
  const auths: AuthClient[] = [];
  let address: string | undefined;
  const where = () => (address ??= client?.address ?? resolveAddress(io.env));
  const options = (): ConnectOptions => ({ token: storedToken(io.env), ca: tlsCa(io.env) });
  return {
    ...io,
    client() {
      client ??= connect(where(), options());
      return client;
    },
    pps() {
      pps ??= connectPps(where(), options());
      return pps;
    },
    auth(token) {
      const auth = new AuthClient(where(), token === undefined ? options() : { token, ca: tlsCa(io.env) });
      auths.push(auth);
      return auth;
    },
    address() {
      return where();
    },
    close() {
      client?.close();
      pps?.close();
      for (const a of auths.splice(0)) a.close();
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
