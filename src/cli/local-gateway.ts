// `get file -o` from the daemon recorded in TUSK_HOME over its HTTP API
// (POST /api/tusk.pfs.PfsApi/GetFile, src/server/json-gateway.ts) instead of
// gRPC. With a local output (local-transfer.ts) the daemon writes the file
// itself and the call carries no bytes, so the CLI needs neither grpc-js nor
// Node's http2 for it: loading and running those is ~30 ms of CPU at each
// start, all of it before the daemon gets the request (measured on a 4 KiB
// get: a client of this kind alone takes ~46 ms of CPU, `tusk get file` ~85).
// The daemon passes the call to its own gRPC server, so access control and
// the handler are the ones a gRPC call meets. Used only for the daemon whose
// record (tuskd.json, written by tuskd) names the address the CLI talks to
// and an HTTP port, over plaintext; if nothing answers there, the caller
// goes over gRPC as before. `put file` of a large local file, which the
// daemon reads itself, goes the same way (POST .../ModifyFile with its
// messages as JSON, gatewayModifyFile): that call carries no bytes either.
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { isTuskError, oneLine, TuskError, type TuskErrorJSON } from '../errors/index.js';
import { readDaemonRecord, recordAddress, tuskHome } from './address.js';
import { isLoopbackAddress } from '../client/local-proof.js';
import { storedToken } from './config-file.js';
import type { ModifyFileResponse } from '../client/index.js';
import { CONNECT_DEADLINE_MS, daemonSilent, type FilesContext } from './context.js';

/**
 * Where the recorded daemon's HTTP API listens, when `ctx.address()` is that daemon's plaintext gRPC address
 * (`localhost:PORT` names a daemon recorded at a loopback address with that port too).
 */
export function localGateway(ctx: FilesContext): { host: string; port: number } | undefined {
  let address = ctx.address().replace(/^grpc:\/\//, '');
  if (address.includes('://')) return undefined; // grpcs://: the HTTP API speaks TLS too
  const record = readDaemonRecord(tuskHome(ctx.env));
  if (!record?.httpPort) return undefined;
  const recorded = recordAddress(record);
  if (address.startsWith('localhost:') && isLoopbackAddress(recorded) && address.slice('localhost'.length) === recorded.slice(recorded.lastIndexOf(':'))) address = recorded;
  if (recorded !== address) return undefined;
  const host = address.slice(0, address.lastIndexOf(':')).replace(/^\[(.*)\]$/, '$1');
  return { host, port: record.httpPort };
}

/** The trailer json-gateway.ts ends a GetFile answer with once the call succeeded (`ok`). */
const CALL_STATUS = 'tusk-call-status';

/**
 * Whether an answer of gatewayGetFile, read to its end, says the call succeeded. A daemon older than that
 * trailer answers a failed call as an empty file: its answer proves nothing, and the caller asks over gRPC.
 */
export function confirmed(answer: IncomingMessage): boolean {
  return answer.complete && answer.trailers[CALL_STATUS] === 'ok';
}

/** The output the daemon writes into and the proof that the caller may have it do so (local-proof.ts). */
export interface LocalOutputRequest {
  path: string;
  proof: string;
  nonce: string;
}

/**
 * Asks the daemon at `gateway` for `file`, written by the daemon into `output`: resolves with the response, whose
 * body holds any bytes the daemon sent instead (none when it wrote the file), or undefined when nothing answers
 * there. Throws the daemon's error (LocalFileRefused when it may not write the file).
 */
export function gatewayGetFile(ctx: FilesContext, gateway: { host: string; port: number }, file: string, output: LocalOutputRequest): Promise<IncomingMessage | undefined> {
  const body = JSON.stringify({ file, localOutput: output });
  return new Promise((resolve, reject) => {
    const req = request({ host: gateway.host, port: gateway.port, method: 'POST', path: '/api/tusk.pfs.PfsApi/GetFile', headers: jsonHeaders(ctx, body), agent: false }, (res) => {
      if (res.statusCode === 200 && res.headers['content-type'] === 'application/octet-stream') return resolve(res);
      const answer: Buffer[] = [];
      res.on('data', (b: Buffer) => answer.push(b));
      res.on('error', reject);
      res.on('end', () => notOurs(daemonError(res.statusCode, Buffer.concat(answer).toString('utf8')), resolve, reject));
    });
    // Nothing listens there (the call never reached the daemon): over gRPC instead. Any other failure is the call's.
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNREFUSED' ? resolve(undefined) : reject(err)));
    answerDeadline(ctx, req, reject);
    req.end(body);
  });
}

/** The messages of a ModifyFile call that carry no bytes, as the daemon's JSON API takes them (json-gateway.ts). */
export type JsonModifyOp =
  | { open: { target: string; description: string; force: boolean } }
  | { localFile: { path: string; append: boolean; source: string; proof: string; nonce: string } }
  | { close: Record<string, never> };

/**
 * Sends the messages of one ModifyFile call (ending with `close`) to the daemon at `gateway`: resolves with its
 * answer once the changes are applied, or undefined when the call never reached ModifyFile there (nothing listens at
 * the port, or a daemon older than JSON messages refused their content type): nothing was applied, ask over gRPC.
 * Throws the daemon's typed error (LocalFileRefused when it may not read a file itself).
 */
export function gatewayModifyFile(ctx: FilesContext, gateway: { host: string; port: number }, ops: JsonModifyOp[]): Promise<ModifyFileResponse | undefined> {
  const body = JSON.stringify(ops);
  return new Promise((resolve, reject) => {
    const req = request({ host: gateway.host, port: gateway.port, method: 'POST', path: '/api/tusk.pfs.PfsApi/ModifyFile', headers: jsonHeaders(ctx, body), agent: false }, (res) => {
      const answer: Buffer[] = [];
      res.on('data', (b: Buffer) => answer.push(b));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(answer).toString('utf8');
        if (res.statusCode !== 200) {
          const err = daemonError(res.statusCode, text);
          // An older gateway takes ModifyFile as an upload of bytes only, and refuses JSON before any call.
          // Another server than the daemon's API (nothing was applied) likewise.
          return (err as { code?: string }).code === 'BadContentType' ? resolve(undefined) : notOurs(err, resolve, reject);
        }
        const json = parsed(text) as Partial<ModifyFileResponse> | undefined;
        if (typeof json?.commit?.id !== 'string') return reject(new Error(`the daemon's HTTP API answered ModifyFile without a commit: ${oneLine(text.slice(0, 200))}`));
        resolve(json as ModifyFileResponse);
      });
    });
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNREFUSED' ? resolve(undefined) : reject(err)));
    answerDeadline(ctx, req, reject);
    req.end(body);
  });
}

/**
 * One call of a read-only API method at `gateway` whose request and answer are small JSON (`method`: 'tusk.pfs.PfsApi/InspectCommit',
 * say): resolves with the answer, or undefined when nothing listens there (ask over gRPC). Throws the daemon's typed error.
 */
export function gatewayCall(ctx: FilesContext, gateway: { host: string; port: number }, method: string, request: object): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = post(ctx, gateway, method, request, (res) => {
      const answer: Buffer[] = [];
      res.on('data', (b: Buffer) => answer.push(b));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(answer).toString('utf8');
        if (res.statusCode !== 200) return notOurs(daemonError(res.statusCode, text), resolve, reject);
        const json = parsed(text);
        if (json === undefined) return resolve(undefined); // not the daemon's API answering: ask over gRPC
        if (!res.complete) return reject(new Error(`the daemon's HTTP API answer to ${method} was cut short`));
        resolve(json);
      });
    });
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNREFUSED' ? resolve(undefined) : reject(err)));
    answerDeadline(ctx, req, reject);
  });
}

/** The messages of a server stream over the HTTP API, and whether the answer arrived whole (`complete`, known once they are read). */
export interface GatewayStream {
  messages: AsyncIterable<unknown>;
  complete(): boolean;
}

/**
 * A server stream of a read-only API method at `gateway` (ListFile, GlobFile), as the JSON gateway answers it: an array written
 * one message at a time, read here one message at a time as it arrives. Resolves once the answer starts, or with undefined
 * when nothing listens there or the daemon does not know a field of the request (ask over gRPC); throws the daemon's
 * typed error of a call that failed before its first message.
 * An answer cut short (a failure after the first message: the gateway then closes the connection) just ends the messages
 * with `complete()` false: the caller asks over gRPC for the rest, which says why.
 */
export function gatewayStream(ctx: FilesContext, gateway: { host: string; port: number }, method: string, request: object): Promise<GatewayStream | undefined> {
  return new Promise((resolve, reject) => {
    const req = post(ctx, gateway, method, request, (res) => {
      if (res.statusCode === 200 && res.headers['content-type'] === 'application/json') {
        res.setEncoding('utf8');
        let whole = false;
        return resolve({ messages: arrayElements(res, () => (whole = res.complete)), complete: () => whole });
      }
      const answer: Buffer[] = [];
      res.on('data', (b: Buffer) => answer.push(b));
      res.on('error', reject);
      res.on('end', () => {
        const err = daemonError(res.statusCode, Buffer.concat(answer).toString('utf8'));
        // A daemon older than a field of the request refuses it before any call: ask over gRPC, which ignores it.
        return (err as { code?: string }).code === 'UnknownField' ? resolve(undefined) : notOurs(err, resolve, reject);
      });
    });
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNREFUSED' ? resolve(undefined) : reject(err)));
    answerDeadline(ctx, req, reject);
  });
}

/**
 * The elements of a JSON array of objects read as text pieces, each parsed once its closing brace arrives. The answer's
 * end is noted by `ended` (an `aborted` connection ends the elements early, without an error).
 */
export async function* arrayElements(pieces: AsyncIterable<string>, ended: () => void = () => {}): AsyncIterable<unknown> {
  let depth = 0;
  let inString = false;
  let escaped = false;
  let element = '';
  try {
    for await (const piece of pieces) {
      let start = depth >= 2 ? 0 : -1; // an element begun in an earlier piece goes on from this one's start
      for (let i = 0; i < piece.length; i++) {
        const c = piece.charCodeAt(i);
        if (inString) {
          if (escaped) escaped = false;
          else if (c === 0x5c) escaped = true; // backslash
          else if (c === 0x22) inString = false;
        } else if (c === 0x22) inString = true;
        else if (c === 0x7b || c === 0x5b) {
          if (++depth === 2) start = i;
        } else if (c === 0x7d || c === 0x5d) {
          if (--depth === 1) {
            const text = element + piece.slice(start, i + 1);
            element = '';
            start = -1;
            yield JSON.parse(text);
          }
        }
      }
      if (start >= 0) element += piece.slice(start);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET') throw err; // the connection closed mid-answer: cut short
  }
  ended();
}

/** Posts `message` as JSON to `method` at `gateway`; `onAnswer` gets the response. */
function post(ctx: FilesContext, gateway: { host: string; port: number }, method: string, message: object, onAnswer: (res: IncomingMessage) => void) {
  const body = JSON.stringify(message);
  const req = request({ host: gateway.host, port: gateway.port, method: 'POST', path: `/api/${method}`, headers: jsonHeaders(ctx, body), agent: false }, (res) => {
    // Read to its end, the answer leaves nothing to wait for: the connection closes now, not once the daemon has closed
    // its side (~5-10 ms later, during which the process could not exit).
    res.once('end', () => req.destroy());
    onAnswer(res);
  });
  req.end(body);
  return req;
}

/**
 * Fails the call (DaemonSilent) when the daemon has given no sign of life within the connect deadline: neither the
 * `100 Continue` every Node HTTP server sends at once to a request that expects it (jsonHeaders), nor an answer. A
 * stopped daemon's kernel still accepts the connection, and without this the call waits for ever. The answer itself
 * may take long (the daemon writes a large file before it answers): only its first sign is timed.
 */
function answerDeadline(ctx: FilesContext, req: ClientRequest, reject: (err: Error) => void): void {
  const ms = ctx.connectDeadlineMs ?? CONNECT_DEADLINE_MS;
  const timer = setTimeout(() => {
    reject(daemonSilent(ms));
    req.destroy();
  }, ms);
  const answered = () => clearTimeout(timer);
  req.once('continue', answered);
  req.once('response', answered);
  req.once('close', answered);
}

function jsonHeaders(ctx: FilesContext, body: string): Record<string, string | number> {
  const token = storedToken(ctx.env);
  const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), expect: '100-continue' };
  if (token) headers['authn-token'] = token;
  return headers;
}

function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // not an answer of the API
  }
}

/**
 * A call answered by something other than the daemon's API (a stale record whose HTTP port another server now
 * holds; the call never reached the daemon): undefined, so the call goes over gRPC, which reaches the daemon or
 * says it cannot. The daemon's own typed errors are thrown.
 */
function notOurs(err: Error, resolve: (v: undefined) => void, reject: (e: Error) => void): void {
  if (isTuskError(err)) reject(err);
  else resolve(undefined);
}

/** The typed error of an answer that is not the file's (json-gateway.ts sends {code, kind, message, data}). */
function daemonError(status: number | undefined, text: string): Error {
  const json = parsed(text) as Partial<TuskErrorJSON> | undefined;
  if (json && typeof json.code === 'string' && typeof json.kind === 'string' && typeof json.message === 'string') return TuskError.fromJSON({ code: json.code, kind: json.kind, message: json.message, data: json.data ?? {} });
  return new Error(`the daemon's HTTP API answered ${status} without a file or an error: ${oneLine(text.slice(0, 200))}`);
}
