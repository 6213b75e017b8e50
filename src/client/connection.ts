// Where and how the client reaches tuskd: the address (TUSK_ADDRESS, default
// localhost:1650), channel options (message sizes, keepalive), and the helper
// that turns a unary callback call into a promise with typed errors.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { checkServerIdentity, rootCertificates } from 'node:tls';
import { connectivityState, credentials, InterceptingCall, type ChannelCredentials, type Client, type ChannelOptions, type ClientUnaryCall, type Interceptor, type ServiceError } from '@grpc/grpc-js';
import { InvalidArgument } from '../errors/index.js';
import { fromServiceError } from '../rpc/errors.js';

export { DEFAULT_ADDRESS, defaultAddress } from './default-address.js';

export const CHANNEL_OPTIONS: ChannelOptions = {
  'grpc.max_receive_message_length': 64 * 1024 * 1024,
  'grpc.max_send_message_length': 64 * 1024 * 1024,
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
};

export const insecure = () => credentials.createInsecure();

/** How to connect beyond the address: the token sent with every call (access control), the CA for grpcs:// addresses. */
export interface ConnectOptions {
  token?: string;
  /** PEM certificates trusted for a grpcs:// address (default: the system's). */
  ca?: Buffer;
  /**
   * Called when a channel has not finished connecting (TCP and the HTTP/2 handshake: grpc-js is ready only once the
   * daemon's SETTINGS arrive) `afterMs` after it was made: the daemon accepted the connection but does not answer
   * (stopped, overloaded). Without it, a call waits for ever. A channel once connected is never timed: long calls
   * (wait, subscribe, logs -f) stay open.
   */
  silent?: { afterMs: number; onSilent: () => void };
}

/** Watches `client`'s channel as `options.silent` says (nothing without it), timed from its first connection attempt. */
export function watchAnswer(client: Client, options: ConnectOptions = {}): void {
  const silent = options.silent;
  if (!silent) return;
  const channel = client.getChannel();
  let timer: NodeJS.Timeout | undefined;
  const watch = (state: connectivityState): void => {
    if (state === connectivityState.READY || state === connectivityState.SHUTDOWN) return clearTimeout(timer);
    if (state === connectivityState.CONNECTING && !timer) {
      timer = setTimeout(() => {
        if (channel.getConnectivityState(false) === connectivityState.CONNECTING) silent.onSilent();
      }, silent.afterMs);
      timer.unref();
    }
    channel.watchConnectivityState(state, Infinity, () => watch(channel.getConnectivityState(false)));
  };
  watch(channel.getConnectivityState(false));
}

/**
 * The CAs a grpcs:// address is checked against when not grpc-js's default: the file named by TUSK_TLS_CA (it
 * alone); else, when bin/tusk started Node without NODE_EXTRA_CA_CERTS (`deferredCaCerts`, see
 * src/cli/deferred-ca-certs.ts), Node's roots plus that file's, which is what Node trusts with the variable set.
 */
export function tlsCa(env: NodeJS.ProcessEnv = process.env, deferredCaCerts?: string): Buffer | undefined {
  const path = env.TUSK_TLS_CA;
  if (path) {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new InvalidArgument('InvalidTlsCa', `TUSK_TLS_CA ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
    }
  }
  // grpc-js's own roots file replaces Node's store, and with it the variable's CAs.
  if (!deferredCaCerts || env.GRPC_DEFAULT_SSL_ROOTS_FILE_PATH) return undefined;
  let extra: string;
  try {
    extra = readFileSync(deferredCaCerts, 'latin1');
  } catch (err) {
    process.emitWarning(`Ignoring extra certs from \`${deferredCaCerts}\`, load failed: ${(err as Error).message}`); // as Node says it
    return undefined;
  }
  return Buffer.from([...rootCertificates, extra].join('\n'), 'latin1');
}

/** Whether `address` is reached over TLS (grpcs://): only then are CAs read. */
export function isTlsAddress(address: string): boolean {
  return address.startsWith('grpcs://');
}

/** `grpcs://host:port` → TLS to host:port; `grpc://host:port` or `host:port` → plaintext. */
export function channelTarget(address: string, options: ConnectOptions = {}): { target: string; creds: ChannelCredentials; channel: ChannelOptions } {
  if (!isTlsAddress(address)) return { target: address.startsWith('grpc://') ? address.slice('grpc://'.length) : address, creds: insecure(), channel: {} };
  const target = address.slice('grpcs://'.length);
  const host = target.startsWith('[') ? target.slice(1, target.indexOf(']')) : target.slice(0, target.lastIndexOf(':') >= 0 ? target.lastIndexOf(':') : undefined);
  if (!isIP(host)) return { target, creds: credentials.createSsl(options.ca ?? null), channel: {} };
  // An IP address: Node refuses it as a TLS server name (DEP0123), so send a plain name and check the certificate against the IP.
  const creds = credentials.createSsl(options.ca ?? null, null, null, { checkServerIdentity: (_name, cert) => checkServerIdentity(host, cert) });
  return { target, creds, channel: { 'grpc.ssl_target_name_override': 'tuskd' } };
}

/** Metadata `authn-token` on every call of the channel. */
function tokenInterceptor(token: string): Interceptor {
  return (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        metadata.set('authn-token', token);
        next(metadata, listener);
      },
    });
}

/** Channel options with the token interceptor when a token is given. */
export function channelOptions(base: ChannelOptions, options: ConnectOptions = {}): ChannelOptions {
  return options.token ? { ...base, interceptors: [tokenInterceptor(options.token)] } : base;
}

type Callback<T> = (err: ServiceError | null, value?: T) => void;

/** Runs a generated unary call (`(cb) => client.method(request, cb)`), resolving with its response or rejecting with a TuskError. */
export function unary<Res>(fn: (cb: Callback<Res>) => ClientUnaryCall): Promise<Res> {
  return new Promise<Res>((resolve, reject) => {
    fn((err, value) => (err ? reject(fromServiceError(err)) : resolve(value as Res)));
  });
}

/** Iterates a server stream, rejecting with a TuskError. */
export async function* serverStream<T>(stream: AsyncIterable<T> & { cancel(): void }): AsyncIterable<T> {
  try {
    for await (const item of stream) yield item;
  } catch (err) {
    throw fromServiceError(err);
  } finally {
    stream.cancel();
  }
}

/** The (target, credentials, options) triple a generated client's constructor takes. */
export function connect(address: string, base: ChannelOptions, options: ConnectOptions = {}): [string, ChannelCredentials, ChannelOptions] {
  const { target, creds, channel } = channelTarget(address, options);
  return [target, creds, channelOptions({ ...base, ...channel }, options)];
}
