// TLS for the daemon's three ports: the certificate and key (PEM) read once at
// start, gRPC server credentials from them, and HTTP(S) listeners for the S3
// gateway and the health/metrics/console port.
import { readFile } from 'node:fs/promises';
import { createServer as createHttp, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { credentials, ServerCredentials, type ChannelCredentials } from '@grpc/grpc-js';
import { InvalidArgument } from '../errors/index.js';

export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

export async function loadTls(files: { certFile: string; keyFile: string } | undefined): Promise<TlsFiles | undefined> {
  if (!files) return undefined;
  const read = (path: string, flag: string) =>
    readFile(path).catch((err: NodeJS.ErrnoException) => {
      throw new InvalidArgument('InvalidTls', `${flag} ${path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
    });
  return { cert: await read(files.certFile, '--tls-cert'), key: await read(files.keyFile, '--tls-key') };
}

export function grpcCredentials(tls: TlsFiles | undefined): ServerCredentials {
  return tls ? ServerCredentials.createSsl(null, [{ cert_chain: tls.cert, private_key: tls.key }], false) : ServerCredentials.createInsecure();
}

/**
 * Credentials for the daemon's own calls to its gRPC server over loopback (the console's JSON gateway):
 * with TLS it trusts the daemon's certificate, which must name 127.0.0.1 or localhost, as for local workers.
 */
export function loopbackCredentials(tls: TlsFiles | undefined): ChannelCredentials {
  return tls ? credentials.createSsl(tls.cert) : credentials.createInsecure();
}

/** An HTTPS server when TLS is configured, else plain HTTP. */
export function createListener(tls: TlsFiles | undefined, options: ServerOptions, handler: (req: IncomingMessage, res: ServerResponse) => void): Server {
  return tls ? (createHttps({ ...options, cert: tls.cert, key: tls.key }, handler) as unknown as Server) : createHttp(options, handler);
}
