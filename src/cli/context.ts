// Everything a command needs from the outside world, passed in rather than
// reached for: the standard streams, the environment, a clock, and lazily
// opened clients for the file system (TuskClient) and the pipeline system
// (PpsClient), both at the same address and closed by main when the command ends.
// The client module (gRPC, protobuf) is imported only when a command is about
// to run (clientConnectors().load), so `--help` and usage errors start fast;
// for a file command (CommandDef `clients: 'files'`), only its file-system part.
import type { Readable, Writable } from 'node:stream';
import type { AuthClient, ConnectOptions, PpsClient, TuskClient } from '../client/index.js';
import { TuskError } from '../errors/index.js';
import { resolveAddress } from './address.js';
import { storedToken } from './config-file.js';
import { takeDeferredCaCerts } from './deferred-ca-certs.js';
import { lazyStdio, openStdout, streamOutput, type TextOutput } from './stdio.js';

export interface CliIO {
  stdout: Writable;
  stderr: Writable;
  /**
   * stdout for help and other short texts, which processIO's prints without opening the stream (see stdio.ts);
   * without it (a caller's own streams: bin/sandbox/pachctl, tests), they are written to `stdout`.
   */
  out?: TextOutput;
  /** The same for stderr (usage errors, the one-line error of a failed command). */
  err?: TextOutput;
  stdin: Readable;
  env: NodeJS.ProcessEnv;
  /** True when stderr is a terminal: progress bars are drawn only then (processIO's asks stderr only when read). */
  stderrIsTTY: boolean;
  now: () => Date;
  /** The NODE_EXTRA_CA_CERTS file bin/tusk started Node without (see deferred-ca-certs.ts): trusted for grpcs://. */
  deferredCaCerts?: string;
  /** How long connecting to the daemon may take before the command gives up (default CONNECT_DEADLINE_MS; tests set less). */
  connectDeadlineMs?: number;
}

/**
 * How long connecting to the daemon (TCP and the gRPC/HTTP handshake, or the first sign of life of an HTTP API call)
 * may take: a daemon that accepted the connection but says nothing in that time is stopped (SIGSTOP) or overloaded.
 */
export const CONNECT_DEADLINE_MS = 10_000;

/** The daemon accepted a connection but did not answer within the connect deadline (main.ts words it with the address). */
export function daemonSilent(ms: number): TuskError {
  return new TuskError('unavailable', 'DaemonSilent', `tuskd accepted the connection but does not answer (nothing in ${ms >= 1000 ? `${Math.round(ms / 1000)}s` : `${ms} ms`}: stopped or overloaded?)`);
}

export interface CliContext extends CliIO {
  out: TextOutput;
  err: TextOutput;
  /** The client for the daemon at TUSK_ADDRESS / $TUSK_HOME/tuskd.json / localhost:1650, opened on first use. */
  client(): TuskClient;
  /** The pipeline client (PpsApi) for the same daemon, opened on first use. */
  pps(): PpsClient;
  /** The access-control client (AuthApi) for the same daemon, opened on each use; `token` overrides the stored one. */
  auth(token?: string): AuthClient;
  /** The address client() and pps() connect to. */
  address(): string;
  /**
   * Loads the code of client() (`scope` 'all': of every client), already loaded before the action runs unless the
   * command asks for it (CommandDef clients 'files-on-demand', 'on-demand').
   */
  loadClient(scope?: ClientScope): Promise<void>;
  /** Closes the clients that were opened. */
  close(): void;
  connectDeadlineMs: number;
  /** Rejects (DaemonSilent) when a client's connection to the daemon has not answered within connectDeadlineMs; main.ts races the command with it. */
  readonly silent: Promise<never>;
}

/** The token calls carry, the environment naming the TLS CA (TUSK_TLS_CA), and the CAs Node was started without. */
export interface Credentials {
  token?: string;
  env: NodeJS.ProcessEnv;
  deferredCaCerts?: string;
  silent?: ConnectOptions['silent'];
}

/**
 * What a file command is given (CommandDef `clients: 'files'`): no pipeline or access-control client, whose code
 * is then never loaded.
 */
export type FilesContext = Omit<CliContext, 'pps' | 'auth'>;

/** The clients a command may use: 'files' only TuskClient (FilesContext), 'all' every one. */
export type ClientScope = 'files' | 'all';

/** Opens the real clients, once `load` has imported the client code for them. */
export interface ClientConnectors {
  /** Imports the code of the clients `scope` names (all of src/client for 'all'). */
  load(scope: ClientScope): Promise<void>;
  tusk(address: string, creds: Credentials): TuskClient;
  pps(address: string, creds: Credentials): PpsClient;
  auth(address: string, creds: Credentials): AuthClient;
}

export function clientConnectors(): ClientConnectors {
  let files: typeof import('../client/file-system.js') | undefined;
  let all: typeof import('../client/index.js') | undefined;
  const loaded = <T>(module: T | undefined): T => {
    if (!module) throw new Error('a client is used before its module was loaded');
    return module;
  };
  return {
    async load(scope) {
      files ??= await import('../client/file-system.js');
      if (scope === 'all') all ??= await import('../client/index.js');
    },
    tusk: (address, creds) => new (loaded(files).TuskClient)(address, options(address, creds)),
    pps: (address, creds) => new (loaded(all).PpsClient)(address, options(address, creds)),
    auth: (address, creds) => new (loaded(all).AuthClient)(address, options(address, creds)),
  };
  // The deferred CA file is read (and joined to Node's roots) only for a TLS address: a plaintext one never uses it.
  function options(address: string, creds: Credentials): ConnectOptions {
    const deferred = loaded(files).isTlsAddress(address) ? creds.deferredCaCerts : undefined;
    return { token: creds.token, ca: loaded(files).tlsCa(creds.env, deferred), silent: creds.silent };
  }
}

export function createContext(io: CliIO, connectors: ClientConnectors): CliContext {
  let client: TuskClient | undefined;
  let pps: PpsClient | undefined;
  const auths: AuthClient[] = [];
  let address: string | undefined;
  const where = () => (address ??= client?.address ?? resolveAddress(io.env));
  const connectDeadlineMs = io.connectDeadlineMs ?? CONNECT_DEADLINE_MS;
  let onSilent: (err: Error) => void = () => {};
  const silent = new Promise<never>((_, reject) => (onSilent = reject));
  silent.catch(() => {}); // observed by main.ts's race; a context without one must not fail the process
  const watch = { afterMs: connectDeadlineMs, onSilent: () => onSilent(daemonSilent(connectDeadlineMs)) };
  const creds = (token = storedToken(io.env)): Credentials => ({ token, env: io.env, deferredCaCerts: io.deferredCaCerts, silent: watch });
  return {
    get stdout() {
      return io.stdout;
    },
    get stderr() {
      return io.stderr;
    },
    out: io.out ?? streamOutput(() => io.stdout),
    err: io.err ?? streamOutput(() => io.stderr),
    get stdin() {
      return io.stdin;
    },
    env: io.env,
    get stderrIsTTY() {
      return io.stderrIsTTY;
    },
    now: io.now,
    deferredCaCerts: io.deferredCaCerts,
    connectDeadlineMs,
    silent,
    client() {
      client ??= connectors.tusk(where(), creds());
      return client;
    },
    pps() {
      pps ??= connectors.pps(where(), creds());
      return pps;
    },
    auth(token) {
      const auth = connectors.auth(where(), creds(token));
      auths.push(auth);
      return auth;
    },
    address() {
      return where();
    },
    loadClient(scope = 'files') {
      return connectors.load(scope);
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

/**
 * The process's streams, each opened only when a command uses it (setting one up costs a few ms of every start:
 * `--help` and usage errors print without, see stdio.ts). Takes back the CA file bin/tusk deferred, before any
 * command can start a process.
 */
export function processIO(): CliIO {
  const deferredCaCerts = takeDeferredCaCerts(process.env);
  const stdout = lazyStdio(1, openStdout);
  const stderr = lazyStdio(2, () => process.stderr);
  return {
    get stdout() {
      return stdout.stream;
    },
    get stderr() {
      return stderr.stream;
    },
    out: stdout,
    err: stderr,
    get stdin() {
      return process.stdin;
    },
    env: process.env,
    get stderrIsTTY() {
      return !!stderr.stream.isTTY;
    },
    now: () => new Date(),
    deferredCaCerts,
  };
}
