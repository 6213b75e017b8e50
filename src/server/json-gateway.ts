// The console's JSON API: every method of the public gRPC services at
// POST /api/<package.Service>/<Method>, handled by the very handler objects the
// gRPC server runs (so no behaviour exists twice). The body is the request
// message as JSON (field names as in the .proto, camelCase; missing fields take
// their proto defaults), the answer the response message as JSON. A server
// stream answers with a JSON array of its messages, or, when asked with
// `accept: text/event-stream`, one server-sent `message` event per message
// until it ends (`tusk logs -f` in a browser). GetFile answers with the file's
// bytes; ModifyFile takes the bytes of one file as the body, with `target`,
// `path` and `description` in the query. Errors answer with an HTTP status
// for the error's kind and the typed error as JSON ({code, kind, message, data}).
// Other web sites must not drive the daemon through a visitor's browser: a
// call must say `content-type: application/json` (ModifyFile:
// application/octet-stream), which a page of another origin cannot send
// without a CORS preflight that is never granted, and a request whose Origin
// is not the daemon's own is refused.
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { InvalidArgument, NotFound, type ErrorKind } from '../errors/index.js';
import { fromServiceError, toServiceError } from '../rpc/errors.js';

/** One method of a ts-proto grpc-js service definition. */
interface MethodDefinition {
  path: string;
  requestStream: boolean;
  responseStream: boolean;
  requestDeserialize(bytes: Buffer): unknown;
}

type Handler = (call: unknown, callback?: (err: ServiceError | null, value?: unknown) => void) => void;

export interface GatewayService {
  definition: Record<string, MethodDefinition>;
  implementation: Record<string, unknown>;
}

const KIND_TO_HTTP: Record<ErrorKind, number> = {
  not_found: 404,
  already_exists: 409,
  invalid_argument: 400,
  failed_precondition: 412,
  data_loss: 500,
  unavailable: 503,
  deadline_exceeded: 504,
  aborted: 409,
  internal: 500,
};

/** Request bodies above this size are refused (file uploads stream and have no limit). */
const MAX_JSON_BODY = 4 * 1024 * 1024;
/** Metadata headers passed on to the handlers, as gRPC metadata. */
const FORWARDED_HEADERS = ['authn-token'];

export class JsonGateway {
  private readonly methods = new Map<string, { definition: MethodDefinition; handler: Handler }>();

  constructor(services: GatewayService[]) {
    for (const { definition, implementation } of services) {
      for (const [name, method] of Object.entries(definition)) {
        const handler = implementation[name];
        if (typeof handler !== 'function') throw new Error(`no handler for ${method.path}`);
        this.methods.set(method.path, { definition: method, handler: handler as Handler });
      }
    }
  }

  /** The method paths served ('/tusk.pfs.PfsApi/ListRepo', ...). */
  paths(): string[] {
    return [...this.methods.keys()];
  }

  /** Serves a request under /api; `path` is what follows it ('/tusk.pfs.PfsApi/ListRepo'). */
  async handle(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<void> {
    try {
      const entry = this.methods.get(path);
      if (!entry) throw new NotFound('NoSuchMethod', `no API method ${path}`);
      if (req.method !== 'POST') throw new InvalidArgument('MethodNotAllowed', `${path} takes POST, not ${req.method}`);
      const origin = req.headers.origin;
      if (origin && origin !== `http://${req.headers.host}` && origin !== `https://${req.headers.host}`) {
        return sendJson(res, 403, { code: 'CrossOrigin', kind: 'permission_denied', message: `calls from ${origin} are not accepted: the API serves the console of its own origin`, data: { origin } });
      }
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
      const wanted = entry.definition.requestStream ? 'application/octet-stream' : 'application/json';
      if (type !== wanted) throw new InvalidArgument('BadContentType', `${path} takes content-type ${wanted}, not ${type || 'none'}`);
      const metadata = new Metadata();
      for (const h of FORWARDED_HEADERS) {
        const v = req.headers[h];
        if (typeof v === 'string') metadata.set(h, v);
      }
      const { definition, handler } = entry;
      if (definition.requestStream) {
        if (!path.endsWith('/ModifyFile')) throw new InvalidArgument('NotOverHttp', `${path} is not available over HTTP`);
        return await this.upload(req, res, handler, metadata, query);
      }
      const request = await readRequest(req, definition);
      if (!definition.responseStream) {
        const value = await new Promise<unknown>((resolve, reject) => handler(unaryCall(request, metadata), (err, v) => (err ? reject(err) : resolve(v))));
        return sendJson(res, 200, value);
      }
      await this.stream(req, res, handler, request, metadata, path.endsWith('/GetFile') ? 'bytes' : req.headers.accept === 'text/event-stream' ? 'events' : 'array');
    } catch (err) {
      sendError(res, err);
    }
  }

  /** Runs a server-streaming handler, forwarding its messages as a JSON array, events or raw bytes. */
  private stream(req: IncomingMessage, res: ServerResponse, handler: Handler, request: unknown, metadata: Metadata, mode: 'array' | 'events' | 'bytes'): Promise<void> {
    return new Promise((resolve, reject) => {
      const call = new StreamCall(request, metadata);
      let first = true;
      const start = () => {
        if (!first) return;
        first = false;
        if (mode === 'bytes') res.writeHead(200, { 'content-type': 'application/octet-stream', 'cache-control': 'no-store' });
        else if (mode === 'events') res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
        else res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).write('[');
      };
      // 'close' on the response: it ended, or the browser went away before (a socket may serve many requests).
      res.on('close', () => {
        if (!res.writableFinished) call.cancel();
      });
      call.onWrite = (msg) => {
        start();
        if (mode === 'bytes') return res.write((msg as { data: Uint8Array }).data);
        if (mode === 'events') return res.write(`data: ${JSON.stringify(msg)}\n\n`);
        const ok = res.write((call.written > 1 ? ',' : '') + JSON.stringify(msg));
        return ok;
      };
      res.on('drain', () => call.emit('drain'));
      call.onEnd = () => {
        start();
        res.end(mode === 'array' ? ']' : undefined);
        resolve();
      };
      call.onError = (err) => {
        if (first) return reject(err);
        // Headers are out: tell an event stream why it ended, cut anything else short.
        if (mode === 'events') res.end(`event: error\ndata: ${JSON.stringify(fromServiceError(err).toJSON())}\n\n`);
        else res.destroy();
        resolve();
      };
      handler(call);
    });
  }

  /** ModifyFile with one file: the body's bytes go to `path` in the commit the target names. */
  private async upload(req: IncomingMessage, res: ServerResponse, handler: Handler, metadata: Metadata, query: URLSearchParams): Promise<void> {
    const target = query.get('target') ?? '';
    const path = query.get('path') ?? '';
    if (!target || !path) throw new InvalidArgument('BadUpload', 'an upload needs ?target=REPO@BRANCH&path=/PATH');
    const messages = async function* () {
      yield { open: { target, description: query.get('description') ?? '' } };
      yield { putFile: { path, append: false } };
      for await (const chunk of req) yield { data: chunk as Buffer };
      // A body cut short must not become a shorter file.
      if (!req.complete) throw new InvalidArgument('Cancelled', 'the upload ended before its body did; nothing was written');
      yield { endFile: {} };
      yield { close: {} };
    };
    const call = Object.assign(new EventEmitter(), { metadata, cancelled: false, [Symbol.asyncIterator]: () => messages()[Symbol.asyncIterator]() });
    res.on('close', () => {
      if (!res.writableFinished) call.cancelled = true;
    });
    const value = await new Promise<unknown>((resolve, reject) => handler(call, (err, v) => (err ? reject(err) : resolve(v))));
    sendJson(res, 200, value);
  }
}

/** A stand-in for grpc-js's ServerWritableStream: what the stream handlers use of it. */
class StreamCall extends EventEmitter {
  cancelled = false;
  written = 0;
  onWrite: (msg: unknown) => boolean = () => true;
  onEnd: () => void = () => {};
  onError: (err: ServiceError) => void = () => {};

  constructor(readonly request: unknown, readonly metadata: Metadata) {
    super();
    // grpc-js reports a failed stream by emitting 'error' on the call.
    this.on('error', (err: ServiceError) => this.onError(err));
  }

  write(msg: unknown): boolean {
    if (this.cancelled) return true;
    this.written++;
    return this.onWrite(msg);
  }

  end(): void {
    if (!this.cancelled) this.onEnd();
  }

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.emit('cancelled');
    this.emit('drain');
  }

  sendMetadata(): void {}
  getPeer(): string {
    return 'console';
  }
}

function unaryCall(request: unknown, metadata: Metadata) {
  return Object.assign(new EventEmitter(), { request, metadata, cancelled: false, getPeer: () => 'console', sendMetadata: () => {} });
}

/** The request message: the proto defaults (decoding no bytes), overlaid by the JSON body's fields. */
async function readRequest(req: IncomingMessage, definition: MethodDefinition): Promise<unknown> {
  const defaults = definition.requestDeserialize(Buffer.alloc(0)) as Record<string, unknown>;
  let text = '';
  for await (const chunk of req) {
    text += (chunk as Buffer).toString('utf8');
    if (text.length > MAX_JSON_BODY) throw new InvalidArgument('BodyTooLarge', `a request body may hold at most ${MAX_JSON_BODY} bytes`);
  }
  if (!text.trim()) return defaults;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new InvalidArgument('BadJson', `the request body is not JSON: ${(err as Error).message}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new InvalidArgument('BadJson', 'the request body must be a JSON object');
  for (const [key, value] of Object.entries(body)) {
    if (!(key in defaults)) throw new InvalidArgument('UnknownField', `${definition.path}: unknown field "${key}"`);
    const expected = typeof defaults[key];
    if (expected !== 'object' && defaults[key] !== undefined && typeof value !== expected) throw new InvalidArgument('BadField', `${definition.path}: field "${key}" must be a ${expected}`);
  }
  return { ...defaults, ...body };
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(value));
}

function sendError(res: ServerResponse, err: unknown): void {
  // Errors from handlers arrive as ServiceErrors; our own checks throw TuskErrors.
  const e = fromServiceError('metadata' in Object(err) ? err : toServiceError(err));
  if (res.headersSent) return void res.destroy();
  sendJson(res, KIND_TO_HTTP[e.kind], e.toJSON());
}
