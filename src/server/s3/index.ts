// The S3 gateway: tuskd's S3-compatible HTTP API over PFS, so any S3 client
// (aws CLI, SDKs, rclone, s3cmd) reads and writes versioned Tusk data.
// Buckets are `BRANCH.REPO` (read/write) and `COMMITID.REPO` (read-only),
// path-style (http://host:port/bucket/key). Each request is authenticated
// (SigV4), routed to one operation (one file each under ops/), and any error
// becomes an S3 XML error through the one table in error-table.ts. Bodies
// and objects stream; nothing holds a whole object in memory.
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createListener, type TlsFiles } from '../tls.js';
import { S3Invalid } from '../../errors/index.js';
import { afterSuccess, auditRefusal, authorize, credentialsOf } from './access.js';
import { authenticate } from './auth.js';
import { SigningKeys } from './sigv4.js';
import type { GatewayDeps, S3Request } from './context.js';
import { renderError } from './error-table.js';
import { route } from './router.js';
import { answerClientErrors } from '../client-errors.js';
import { WriteSlots } from './write-slots.js';
import { drainBody } from './body.js';
import { YoungCollector } from './young-collector.js';

export type { GatewayDeps } from './context.js';
export type { S3Credentials } from './auth.js';
export { MultipartStore } from './multipart-store.js';

/**
 * Streamed writes run at once (one per core the daemon may use, at least two), and how long one waits
 * at most for its turn (see write-slots.ts).
 */
const STREAMED_WRITES = Math.max(2, availableParallelism());
const STREAMED_WRITE_PATIENCE_MS = 5000;

/** How much of a refused request's unread body is read and dropped before the error is sent, and for how long at most (drainBody). */
const REFUSED_BODY_DRAIN_BYTES = 16 * 1024 * 1024;
const REFUSED_BODY_DRAIN_MS = 5000;

/** Listens on host:port (0: any free port; read it from server.address()). */
export function startS3Gateway(host: string, port: number, deps: GatewayDeps, tls?: TlsFiles): Promise<Server> {
  const keys = new SigningKeys();
  const writeSlots = new WriteSlots(STREAMED_WRITES, STREAMED_WRITE_PATIENCE_MS);
  const young = new YoungCollector();
  const server = createListener(tls, { keepAliveTimeout: 30_000, requestTimeout: 0 }, (req, res) => void handle(deps, keys, { writeSlots, young }, req, res));
  answerClientErrors(server);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

async function handle(deps: GatewayDeps, keys: SigningKeys, shared: Pick<S3Request, 'writeSlots' | 'young'>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = Date.now();
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  res.setHeader('x-amz-request-id', requestId);
  res.setHeader('server', 'TuskS3');
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  const method = req.method ?? 'GET';
  let name = 'Unknown';
  let bucket = '';
  let key = '';
  let query = new URLSearchParams();
  const start = process.hrtime.bigint();
  // By operation, also for a request refused before routing (bad credentials): the one it would have been.
  res.once('finish', () => deps.observe?.(name !== 'Unknown' ? name : routeName(method, bucket, key, query, req.headers), res.statusCode, Number(process.hrtime.bigint() - start) / 1e9));
  try {
    const pairs = parseQuery(q < 0 ? '' : url.slice(q + 1));
    query = new URLSearchParams(pairs);
    const slash = rawPath.indexOf('/', 1);
    bucket = decode(slash < 0 ? rawPath.slice(1) : rawPath.slice(1, slash));
    key = slash < 0 ? '' : decode(rawPath.slice(slash + 1));
    const identity = authenticate(req, rawPath, pairs, credentialsOf(deps), deps.clock(), keys);
    const r = route(method, bucket, key, query, req.headers);
    name = r.name;
    const call = { bucket, key, headers: req.headers };
    const subject = await authorize(deps, r.name, call, identity);
    const request: S3Request = { req, res, bucket, key, query, identity, requestId, ...shared };
    await r.op(deps, request);
    await afterSuccess(deps, r.name, call, subject);
    deps.log.log('debug', 's3_request', { op: name, method, bucket, key, status: res.statusCode, ms: Date.now() - started, requestId });
  } catch (err) {
    const resource = rawPath;
    const { status, code, body, error } = renderError(err, resource, requestId);
    // A 404 answering a HEAD is a client probing (aws s3 cp, rclone): not worth a warning.
    const level = status >= 500 ? 'error' : status === 404 && method === 'HEAD' ? 'debug' : 'warn';
    deps.log.log(level, 's3_error', { op: name, method, bucket, key, status, code, message: error.message, requestId });
    // Refused before routing (bad credentials): name the operation it would have been.
    auditRefusal(deps, name !== 'Unknown' ? name : routeName(method, bucket, key, query, req.headers), code, error.data.accessKey);
    if (res.headersSent) {
      res.destroy(error); // mid-stream: the client sees a cut connection, never a truncated 200
      return;
    }
    const headers: Record<string, string | number> = { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) };
    // The rest of a refused upload is read and dropped first, up to a bound, so a client still sending it hears the
    // error; past the bound it is not read, and the connection closes after the answer.
    if (!(await drainBody(req, REFUSED_BODY_DRAIN_BYTES, REFUSED_BODY_DRAIN_MS))) headers.connection = 'close';
    if (res.headersSent || res.destroyed) return;
    if (code === 'InvalidRange' && typeof error.data.size === 'number') headers['content-range'] = `bytes */${error.data.size}`;
    res.writeHead(status, headers);
    res.end(method === 'HEAD' ? undefined : body);
  }
}

function routeName(...args: Parameters<typeof route>): string {
  try {
    return route(...args).name;
  } catch {
    return 'Unknown';
  }
}

/** Query pairs decoded exactly once (no '+' as space: SigV4 clients always percent-encode). */
function parseQuery(text: string): [string, string][] {
  if (!text) return [];
  return text.split('&').filter(Boolean).map((part) => {
    const i = part.indexOf('=');
    return i < 0 ? [decode(part), ''] : [decode(part.slice(0, i)), decode(part.slice(i + 1))];
  });
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new S3Invalid('InvalidArgument', `malformed percent-encoding in "${s.slice(0, 100)}"`);
  }
}
