// The console's JSON API: every method of the public gRPC services at
// POST /api/<package.Service>/<Method>, passed on to the daemon's own gRPC
// server over loopback, so a console call runs the very handlers and
// interceptors (access control, metrics) a `tusk` call runs and no behaviour
// exists twice. The body is the request message as JSON (field names as in
// the .proto, camelCase; missing fields take their proto defaults), the
// answer the response message as JSON. A server stream answers with a JSON
// array of its messages, or, when asked with `accept: text/event-stream`, one
// server-sent `message` event per message until it ends (`tusk logs -f` in a
// browser). GetFile answers with the file's bytes, then the trailer
// `tusk-call-status: ok` once the call succeeded; ModifyFile takes the bytes
// of one file as the body, with `target`, `path` and `description` in the
// query, or, as `content-type: application/json`, the stream's messages as a
// JSON array of ModifyFileRequest objects carrying no bytes (open, local_file,
// delete_file, close: the CLI's put of a file the daemon reads itself, see
// src/cli/local-gateway.ts). Header `authn-token` goes on as gRPC metadata. Errors answer with an
// HTTP status for the error's kind and the typed error as JSON
// ({code, kind, message, data}).
// Other web sites must not drive the daemon through a visitor's browser: a
// call must say `content-type: application/json` (ModifyFile:
// application/octet-stream), which a page of another origin cannot send
// without a CORS preflight that is never granted, and a request whose Origin
// is not the daemon's own is refused.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Client, credentials, Metadata, type ChannelCredentials, status, type ClientReadableStream, type ClientWritableStream, type ServiceError } from '@grpc/grpc-js';
import { InvalidArgument, NotFound } from '../errors/index.js';
import { ModifyFileRequest } from '../gen/tusk/pfs.js';
import { fromServiceError, toServiceError } from '../rpc/errors.js';

/** One method of a ts-proto grpc-js service definition. */
interface MethodDefinition {
  path: string;
  requestStream: boolean;
  responseStream: boolean;
  requestSerialize(value: never): Buffer;
  requestDeserialize(bytes: Buffer): unknown;
  responseDeserialize(bytes: Buffer): unknown;
}

/** HTTP status by error kind; a kind not listed answers 500. */
const KIND_TO_HTTP: Record<string, number> = {
  not_found: 404,
  already_exists: 409,
  invalid_argument: 400,
  failed_precondition: 412,
  unauthenticated: 401,
  permission_denied: 403,
  data_loss: 500,
  unavailable: 503,
  deadline_exceeded: 504,
  aborted: 409,
  internal: 500,
};

/** Request bodies above this size are refused (file uploads stream and have no limit). */
const MAX_JSON_BODY = 4 * 1024 * 1024;
/** Headers passed on to the gRPC server as metadata. */
const FORWARDED_HEADERS = ['authn-token'];
const MAX_MESSAGE = 64 * 1024 * 1024;
/** The trailer that ends a GetFile answer whose call succeeded (value `ok`). */
export const CALL_STATUS = 'tusk-call-status';

type Serialize = (value: unknown) => Buffer;

export class JsonGateway {
  private readonly methods = new Map<string, MethodDefinition>();
  private readonly client: Client;
  /** Calls in flight, cancelled by close() (a followed log would otherwise hold the gRPC server open). */
  private readonly active = new Set<{ cancel(): void }>();

  /**
   * `address`: the daemon's gRPC server as seen from the daemon (loopback); `services`: the definitions it serves;
   * `channel`: how to reach it (TLS when the daemon serves TLS).
   */
  constructor(address: string, services: Record<string, MethodDefinition>[], channel: ChannelCredentials = credentials.createInsecure()) {
    this.client = new Client(address, channel, { 'grpc.max_receive_message_length': MAX_MESSAGE, 'grpc.max_send_message_length': MAX_MESSAGE });
    // Connected now rather than by the first call (the CLI's local put or get), which would wait ~6-10 ms for the
    // connection and its HTTP/2 handshake. The gRPC server listens already: the daemon makes the gateway once its port is bound.
    this.client.getChannel().getConnectivityState(true);
    for (const definition of services) for (const method of Object.values(definition)) this.methods.set(method.path, method);
    // One call now (Version, which anyone may make), so the first caller's does not run the call path's code cold.
    const version = this.methods.get('/tusk.admin.AdminApi/Version');
    if (version) this.unary(version, version.requestDeserialize(Buffer.alloc(0)), new Metadata()).catch(() => undefined);
  }

  /** The method paths served ('/tusk.pfs.PfsApi/ListRepo', ...). */
  paths(): string[] {
    return [...this.methods.keys()];
  }

  /**
   * Whether the caller of `req` may watch the daemon's changes: whoever may
   * list repos (the gRPC server's own checks decide; with access control off,
   * everyone). Answers with the refusal when not.
   */
  async mayWatch(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const refusal = await this.watchRefusal(req);
    if (refusal === undefined) return true;
    sendError(res, refusal);
    return false;
  }

  /** The same question again for a stream already open (its token may have been revoked since, or access control turned on). */
  async mayStillWatch(req: IncomingMessage): Promise<boolean> {
    return (await this.watchRefusal(req)) === undefined;
  }

  /** The access-control error refusing `req` a listing of repos; undefined when it may (other errors do not refuse). */
  private async watchRefusal(req: IncomingMessage): Promise<unknown> {
    const method = this.methods.get('/tusk.pfs.PfsApi/ListRepo');
    if (!method) return undefined;
    try {
      await this.unary(method, method.requestDeserialize(Buffer.alloc(0)), forwardedMetadata(req));
      return undefined;
    } catch (err) {
      // Kinds of access control (named as strings: they join ErrorKind with access control).
      const kind: string = fromServiceError(err).kind;
      return kind === 'unauthenticated' || kind === 'permission_denied' ? err : undefined;
    }
  }

  close(): void {
    for (const call of this.active) call.cancel();
    this.client.close();
  }

  /** Serves a request under /api; `path` is what follows it ('/tusk.pfs.PfsApi/ListRepo'). */
  async handle(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<void> {
    try {
      const method = this.methods.get(path);
      if (!method) throw new NotFound('NoSuchMethod', `no API method ${path}`);
      if (req.method !== 'POST') throw new InvalidArgument('MethodNotAllowed', `${path} takes POST, not ${req.method}`);
      const origin = req.headers.origin;
      if (origin && origin !== `http://${req.headers.host}` && origin !== `https://${req.headers.host}`) {
        return sendJson(res, 403, { code: 'CrossOrigin', kind: 'permission_denied', message: `calls from ${origin} are not accepted: the API serves the console of its own origin`, data: { origin } });
      }
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
      const metadata = forwardedMetadata(req);
      if (method.requestStream) {
        if (!path.endsWith('/ModifyFile')) throw new InvalidArgument('NotOverHttp', `${path} is not available over HTTP`);
        if (type === 'application/json') return sendJson(res, 200, await this.modify(req, res, method, metadata));
        if (type !== 'application/octet-stream') throw new InvalidArgument('BadContentType', `${path} takes content-type application/octet-stream or application/json, not ${type || 'none'}`);
        return sendJson(res, 200, await this.upload(req, res, method, metadata, query));
      }
      if (type !== 'application/json') throw new InvalidArgument('BadContentType', `${path} takes content-type application/json, not ${type || 'none'}`);
      const request = await readRequest(req, method);
      if (!method.responseStream) return sendJson(res, 200, await this.unary(method, request, metadata));
      await this.stream(res, method, request, metadata, path.endsWith('/GetFile') ? 'bytes' : req.headers.accept === 'text/event-stream' ? 'events' : 'array');
    } catch (err) {
      sendError(res, err);
    }
  }

  private unary(method: MethodDefinition, request: unknown, metadata: Metadata): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const call = this.client.makeUnaryRequest(method.path, method.requestSerialize as Serialize, method.responseDeserialize, request, metadata, (err, value) => {
        this.active.delete(call);
        if (err) reject(err);
        else resolve(value);
      });
      this.active.add(call);
    });
  }

  /** Forwards a server stream's messages as a JSON array, events or raw bytes, pausing it while the browser is slow. */
  private stream(res: ServerResponse, method: MethodDefinition, request: unknown, metadata: Metadata, mode: 'array' | 'events' | 'bytes'): Promise<void> {
    return new Promise((resolve, reject) => {
      const call: ClientReadableStream<unknown> = this.client.makeServerStreamRequest(method.path, method.requestSerialize as Serialize, method.responseDeserialize, request, metadata);
      this.active.add(call);
      let started = false;
      let failed = false;
      let count = 0;
      const start = () => {
        if (started) return;
        started = true;
        const type = mode === 'bytes' ? 'application/octet-stream' : mode === 'events' ? 'text/event-stream' : 'application/json';
        res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store', ...(mode === 'bytes' ? { trailer: CALL_STATUS } : {}) });
        if (mode === 'array') res.write('[');
      };
      // 'close' on the response: it ended, or the browser went away first.
      res.on('close', () => {
        if (!res.writableFinished) call.cancel();
      });
      res.on('drain', () => call.resume());
      call.on('data', (msg: unknown) => {
        start();
        const ok =
          mode === 'bytes' ? res.write((msg as { data: Uint8Array }).data)
          : mode === 'events' ? res.write(`data: ${JSON.stringify(msg)}\n\n`)
          : res.write((count++ > 0 ? ',' : '') + JSON.stringify(msg));
        if (!ok) call.pause();
      });
      call.on('end', () => {
        this.active.delete(call);
        if (failed) return; // grpc-js ends a failed call's messages after its error: the error answered
        start();
        // A file's bytes end with the call's outcome: an answer cut short is told from a whole one, and a client
        // (the CLI's local get, which expects no bytes) knows the call succeeded.
        if (mode === 'bytes') res.addTrailers({ [CALL_STATUS]: 'ok' });
        res.end(mode === 'array' ? ']' : undefined);
        resolve();
      });
      call.on('error', (err: ServiceError) => {
        failed = true;
        this.active.delete(call);
        if (err.code === status.CANCELLED && res.destroyed) return resolve();
        if (!started) return reject(err);
        // The answer has begun: tell an event stream why it ended, cut anything else short.
        if (mode === 'events') res.end(`event: error\ndata: ${JSON.stringify(fromServiceError(err).toJSON())}\n\n`);
        else res.destroy();
        resolve();
      });
    });
  }

  /**
   * ModifyFile as a JSON array of its messages, none carrying bytes (`data` and `files` go as an upload): sent in
   * order, then the call ends. As over gRPC, nothing is applied unless the last message is `close`.
   */
  private async modify(req: IncomingMessage, res: ServerResponse, method: MethodDefinition, metadata: Metadata): Promise<unknown> {
    const messages = parseMessages(await readBody(req));
    const { call, answer } = this.clientStream(method, metadata, res);
    for (const msg of messages) call.write(msg); // a few small messages: nothing to wait for
    call.end();
    return answer;
  }

  /** A client-streaming call to the gRPC server, tracked while it runs and cancelled if the HTTP caller leaves first. */
  private clientStream(method: MethodDefinition, metadata: Metadata, res: ServerResponse): { call: ClientWritableStream<unknown>; answer: Promise<unknown> } {
    let call!: ClientWritableStream<unknown>;
    const answer = new Promise<unknown>((resolve, reject) => {
      call = this.client.makeClientStreamRequest(method.path, method.requestSerialize as Serialize, method.responseDeserialize, metadata, (err, value) => {
        this.active.delete(call);
        if (err) reject(err);
        else resolve(value);
      });
    });
    this.active.add(call);
    res.on('close', () => {
      if (!res.writableFinished) call.cancel();
    });
    return { call, answer };
  }

  /** ModifyFile with one file: the body's bytes go to `path` in a new commit on `target` (or its open one). */
  private async upload(req: IncomingMessage, res: ServerResponse, method: MethodDefinition, metadata: Metadata, query: URLSearchParams): Promise<unknown> {
    const target = query.get('target') ?? '';
    const path = query.get('path') ?? '';
    if (!target || !path) throw new InvalidArgument('BadUpload', 'an upload needs ?target=REPO@BRANCH&path=/PATH');
    const { call, answer } = this.clientStream(method, metadata, res);
    const send = async (msg: unknown) => {
      if (!call.write(msg)) await new Promise((resolve) => call.once('drain', resolve));
    };
    try {
      await send({ open: { target, description: query.get('description') ?? '' } });
      await send({ putFile: { path, append: false } });
      for await (const chunk of req) await send({ data: chunk as Buffer });
      // A body cut short must not become a shorter file: cancelling writes nothing.
      if (!req.complete) throw new InvalidArgument('Cancelled', 'the upload ended before its body did; nothing was written');
      await send({ endFile: {} });
      await send({ close: {} });
      call.end();
    } catch (err) {
      call.cancel();
      await answer.catch(() => undefined);
      throw err;
    }
    return answer;
  }
}

function forwardedMetadata(req: IncomingMessage): Metadata {
  const metadata = new Metadata();
  for (const h of FORWARDED_HEADERS) {
    const v = req.headers[h];
    if (typeof v === 'string') metadata.set(h, v);
  }
  return metadata;
}

/** A JSON body's text, at most MAX_JSON_BODY bytes. */
async function readBody(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) {
    text += (chunk as Buffer).toString('utf8');
    if (text.length > MAX_JSON_BODY) throw new InvalidArgument('BodyTooLarge', `a request body may hold at most ${MAX_JSON_BODY} bytes`);
  }
  return text;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InvalidArgument('BadJson', `the request body is not JSON: ${(err as Error).message}`);
  }
}

/** ModifyFile operations that may come as JSON: the ones that carry no file bytes. */
const JSON_MODIFY_OPS = new Set(['open', 'localFile', 'deleteFile', 'close']);

/** A ModifyFile body of JSON messages: an array of objects, each holding exactly one of JSON_MODIFY_OPS. */
function parseMessages(text: string): ModifyFileRequest[] {
  const body = parseJson(text);
  if (!Array.isArray(body)) throw new InvalidArgument('BadJson', 'a ModifyFile body in JSON must be an array of its messages');
  return body.map((msg: unknown, i) => {
    const keys = typeof msg === 'object' && msg !== null && !Array.isArray(msg) ? Object.keys(msg) : [];
    const op = keys[0];
    if (keys.length !== 1 || !JSON_MODIFY_OPS.has(op!)) {
      throw new InvalidArgument('BadField', `ModifyFile message ${i} must hold one of ${[...JSON_MODIFY_OPS].join(', ')} (file bytes go as an application/octet-stream upload)`);
    }
    const value = (msg as Record<string, unknown>)[op!];
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidArgument('BadField', `ModifyFile message ${i}: "${op}" must be an object`);
    return ModifyFileRequest.fromJSON(msg);
  });
}

/** The request message: the proto defaults (decoding no bytes), overlaid by the JSON body's fields. */
async function readRequest(req: IncomingMessage, method: MethodDefinition): Promise<unknown> {
  const defaults = method.requestDeserialize(Buffer.alloc(0)) as Record<string, unknown>;
  const text = await readBody(req);
  if (!text.trim()) return defaults;
  const body = parseJson(text);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new InvalidArgument('BadJson', 'the request body must be a JSON object');
  for (const [key, value] of Object.entries(body)) {
    if (!(key in defaults)) throw new InvalidArgument('UnknownField', `${method.path}: unknown field "${key}"`);
    const expected = typeof defaults[key];
    if (expected !== 'object' && defaults[key] !== undefined && typeof value !== expected) throw new InvalidArgument('BadField', `${method.path}: field "${key}" must be a ${expected}`);
  }
  return { ...defaults, ...body };
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(value));
}

function sendError(res: ServerResponse, err: unknown): void {
  // Errors from the gRPC server arrive as ServiceErrors; the gateway's own checks throw TuskErrors.
  const e = fromServiceError('metadata' in Object(err) ? err : toServiceError(err));
  if (res.headersSent) return void res.destroy();
  sendJson(res, KIND_TO_HTTP[e.kind] ?? 500, e.toJSON());
}
