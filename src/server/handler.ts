// Wrappers that turn async domain functions into grpc-js handlers: errors
// become status codes with the typed error attached (src/rpc/errors.ts),
// server streams respect back-pressure, and results stream in batches.
// A successful call's trailers carry `tusk-server-ms`: the time the daemon
// spent on it, from the request to the last response (benchmarks read it to
// tell the daemon's time from the transport's).
import { Metadata, type sendUnaryData, type ServerUnaryCall, type ServerWritableStream, type ServiceError } from '@grpc/grpc-js';
import { toServiceError } from '../rpc/errors.js';
import type { Logger } from '../log/logger.js';
import { firstPage } from './first-page.js';

export function unaryHandler<Req, Res>(log: Logger, name: string, fn: (req: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res>) {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    const start = process.hrtime.bigint();
    fn(call.request, call).then(
      (res) => callback(null, res, serverTime(start)),
      (err) => {
        logFailure(log, name, err);
        callback(toServiceError(err) as ServiceError);
      },
    );
  };
}

/** Streams items from `fn`, grouped into messages of up to `batch` items by `wrap` (which also sees the request). */
export function streamHandler<Req, Item, Msg>(log: Logger, name: string, fn: (req: Req, signal: AbortSignal) => AsyncIterable<Item>, wrap: (items: Item[], req: Req) => Msg, batch = 1000) {
  return batchStreamHandler(log, name, (req: Req, signal) => single(fn(req, signal)), wrap, batch);
}

async function* single<Item>(items: AsyncIterable<Item>): AsyncIterable<Item[]> {
  for await (const item of items) yield [item];
}

/**
 * As streamHandler, for a source that yields items in batches (a tree leaf's
 * worth): the first message is the first page (first-page.ts: up to 100 items,
 * out within 20 ms of the first, so a table's widths come from a page and its
 * first line shows at once), then batches are joined until a message holds at
 * least `batch` items.
 */
export function batchStreamHandler<Req, Item, Msg>(log: Logger, name: string, fn: (req: Req, signal: AbortSignal) => AsyncIterable<Item[]>, wrap: (items: Item[], req: Req) => Msg, batch = 1000) {
  return (call: ServerWritableStream<Req, Msg>) => {
    const start = process.hrtime.bigint();
    const abort = new AbortController();
    call.on('cancelled', () => abort.abort());
    (async () => {
      let items: Item[] = [];
      let first = true;
      for await (const some of firstPage(fn(call.request, abort.signal))) {
        if (abort.signal.aborted) return cancelled(log, name, start);
        if (items.length === 0) items = some;
        else for (const item of some) items.push(item);
        if (items.length >= batch || (first && items.length > 0)) {
          first = false;
          await write(call, wrap(items, call.request));
          items = [];
        }
      }
      if (items.length > 0) await write(call, wrap(items, call.request));
      call.end(serverTime(start));
    })().catch((err) => {
      if (abort.signal.aborted) return cancelled(log, name, start); // the caller is gone: the work stopped on purpose
      logFailure(log, name, err);
      failStream(call, err);
    });
  };
}

export const SERVER_TIME_TRAILER = 'tusk-server-ms';

/** Trailers saying how long the daemon spent on a call since `start` (milliseconds, 3 decimals). */
export function serverTime(start: bigint): Metadata {
  const metadata = new Metadata();
  metadata.set(SERVER_TIME_TRAILER, (Number(process.hrtime.bigint() - start) / 1e6).toFixed(3));
  return metadata;
}

/** Writes one message, waiting for the transport to drain when its buffer is full. */
export async function write<Msg>(call: ServerWritableStream<unknown, Msg>, msg: Msg): Promise<void> {
  if (!call.write(msg)) await new Promise<void>((resolve) => call.once('drain', resolve));
}

/** Logs that a stream's work stopped because its caller cancelled the call. */
function cancelled(log: Logger, name: string, start: bigint): void {
  log.log('info', 'rpc_cancelled', { rpc: name, ms: Number(process.hrtime.bigint() - start) / 1e6 });
}

function logFailure(log: Logger, name: string, err: unknown): void {
  const e = err as { code?: string; kind?: string; message?: string; stack?: string };
  const internal = !e.kind || e.kind === 'internal';
  log.log(internal ? 'error' : 'debug', 'rpc_failed', { rpc: name, code: e.code ?? 'Internal', message: e.message, ...(internal ? { stack: e.stack } : {}) });
}

/** Ends a server stream with an error status (grpc-js sends the status on 'error', not on destroy()). */
export function failStream(call: Pick<ServerWritableStream<unknown, unknown>, 'emit'>, err: unknown): void {
  call.emit('error', toServiceError(err));
}
