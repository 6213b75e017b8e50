// A fault injector for S3 tests: an HTTP proxy on a free loopback port that
// forwards requests to a real S3 server, except those a rule picks, which it
// answers with an S3-style error (503 SlowDown, 500 InternalError, 403...), by
// dropping the connection, or holds until a promise settles before forwarding. It records every request it saw, so tests can
// check what a client sent (retries, multipart aborts).
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault =
  | { kind: 'reset' }
  | { kind: 'error'; status: number; code: string }
  /** Forwarded, but only once `until` settles: to hold requests in flight. */
  | { kind: 'delay'; until: Promise<unknown> }
  /** Forwarded, but the connection is dropped after `afterBytes` bytes of the answer's body. */
  | { kind: 'cut'; afterBytes: number };

export const SLOW_DOWN: Fault = { kind: 'error', status: 503, code: 'SlowDown' };
export const INTERNAL_ERROR: Fault = { kind: 'error', status: 500, code: 'InternalError' };
export const ACCESS_DENIED: Fault = { kind: 'error', status: 403, code: 'AccessDenied' };
export const CONNECTION_RESET: Fault = { kind: 'reset' };

export interface SeenRequest {
  method: string;
  /** Path and query, e.g. "/bucket/key?partNumber=2&uploadId=..." */
  url: string;
  /** The fault injected, or undefined if forwarded. */
  fault?: Fault;
  /** Status the client got (0 for a dropped connection). */
  status?: number;
}

export type RequestMatcher = (req: { method: string; url: URL }) => boolean;

interface Rule {
  match: RequestMatcher;
  remaining: number;
  fault: Fault;
}

export class S3FaultInjector {
  readonly requests: SeenRequest[] = [];
  private rules: Rule[] = [];
  private active = 0;
  /** The most requests that were being forwarded at the same moment. */
  maxConcurrent = 0;

  private constructor(private readonly server: Server, private readonly target: URL) {}

  /** Starts a proxy in front of `targetEndpoint` ("http://127.0.0.1:PORT"). */
  static async start(targetEndpoint: string): Promise<S3FaultInjector> {
    const server = createServer();
    const injector = new S3FaultInjector(server, new URL(targetEndpoint));
    server.on('request', (req, res) => injector.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return injector;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Injects `fault` into the next `count` requests that `match` (default: any request). */
  failNext(count: number, fault: Fault, match: RequestMatcher = () => true): this {
    this.rules.push({ match, remaining: count, fault });
    return this;
  }

  /** Injects `fault` into every request that `match`, until reset(). */
  failAlways(fault: Fault, match: RequestMatcher): this {
    return this.failNext(Infinity, fault, match);
  }

  /** Forgets rules and recorded requests. */
  reset(): void {
    this.rules = [];
    this.requests.length = 0;
    this.maxConcurrent = 0;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', this.target);
    const seen: SeenRequest = { method, url: req.url ?? '/' };
    this.requests.push(seen);
    const rule = this.rules.find((r) => r.remaining > 0 && r.match({ method, url }));
    if (rule) {
      rule.remaining--;
      seen.fault = rule.fault;
      if (rule.fault.kind === 'delay') {
        this.enter();
        const go = (): void => this.forward(req, res, seen);
        rule.fault.until.then(go, go);
        return;
      }
      if (rule.fault.kind === 'cut') {
        this.enter();
        this.forward(req, res, seen, rule.fault.afterBytes);
        return;
      }
      if (rule.fault.kind === 'reset') {
        seen.status = 0;
        req.socket.destroy();
        return;
      }
      const { status, code } = rule.fault;
      // Read the whole request first so the connection stays usable.
      req.resume();
      req.on('end', () => {
        seen.status = status;
        const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>injected by S3FaultInjector</Message><RequestId>fault</RequestId></Error>`;
        res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
        res.end(method === 'HEAD' ? undefined : body);
      });
      return;
    }
    this.enter();
    this.forward(req, res, seen);
  }

  private enter(): void {
    this.active++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.active);
  }

  /** Forwards to the real server; the caller has counted this request as active. */
  private forward(req: IncomingMessage, res: ServerResponse, seen: SeenRequest, cutAfter?: number): void {
    let left = false;
    const leave = (): void => {
      if (!left) this.active--;
      left = true;
    };
    const upstream = httpRequest(
      { host: this.target.hostname, port: this.target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        seen.status = answer.statusCode;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.on('end', leave);
        if (cutAfter === undefined) {
          answer.pipe(res);
          return;
        }
        let sent = 0;
        const cut = (): void => {
          answer.destroy();
          leave();
          // Let the bytes so far go out, then drop the connection mid-body.
          res.write('', () => res.socket?.destroy());
        };
        if (cutAfter === 0) return cut();
        answer.on('data', (piece: Buffer) => {
          if (sent >= cutAfter) return;
          const part = piece.subarray(0, cutAfter - sent);
          sent += part.length;
          res.write(part);
          if (sent >= cutAfter) cut();
        });
      },
    );
    upstream.on('error', () => {
      leave();
      req.socket.destroy();
    });
    res.on('close', leave);
    req.pipe(upstream);
  }
}

/** Matches UploadPart requests, optionally only the given part number. */
export function isUploadPart(partNumber?: number): RequestMatcher {
  return ({ method, url }) => method === 'PUT' && url.searchParams.has('uploadId') && (partNumber === undefined || url.searchParams.get('partNumber') === String(partNumber));
}

/** Matches AbortMultipartUpload requests. */
export const isAbortUpload: RequestMatcher = ({ method, url }) => method === 'DELETE' && url.searchParams.has('uploadId');
