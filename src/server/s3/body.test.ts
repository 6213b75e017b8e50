// readPlainBody over a real HTTP server and socket: a body sent in pieces
// arrives whole, one larger than the limit is refused, and a client that goes
// away mid-body is an error for the handler (and not an unhandled 'error' event).
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { drainBody, readPlainBody } from './body.js';

let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections(); // a client left mid-body would hold close() until its keep-alive timeout
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A server whose handler reads the body with `limit`; resolves with the handler's outcome and the client request. */
async function serve<T = Buffer>(limit: number, read: (req: IncomingMessage, limit: number) => Promise<T> = readPlainBody as never): Promise<{ port: number; outcome: Promise<T> }> {
  let settle!: (req: IncomingMessage) => void;
  const arrived = new Promise<IncomingMessage>((resolve) => (settle = resolve));
  const outcome = arrived.then((req) => read(req, limit));
  server = createServer((req, res) => {
    settle(req);
    outcome.then(
      () => res.end('ok'),
      () => res.destroy(),
    );
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { port: (server!.address() as AddressInfo).port, outcome };
}

function put(port: number, length: number) {
  const req = request({ host: '127.0.0.1', port, method: 'PUT', path: '/b/k', headers: { 'content-length': length } });
  req.on('error', () => undefined); // the server may cut it
  return req;
}

describe('readPlainBody', () => {
  it('gives the body sent in pieces whole', async () => {
    const { port, outcome } = await serve(1024 * 1024);
    const data = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251));
    const req = put(port, data.length);
    req.write(data.subarray(0, 1000));
    req.write(data.subarray(1000, 40_000));
    req.end(data.subarray(40_000));
    expect(Buffer.compare(await outcome, data)).toBe(0);
  });

  it('refuses a body beyond the limit', async () => {
    const { port, outcome } = await serve(1000);
    put(port, 5000).end(Buffer.alloc(5000, 1));
    await expect(outcome).rejects.toMatchObject({ code: 'InvalidRequest' });
  });

  it('is an error when the client goes away before the end of the body', async () => {
    const { port, outcome } = await serve(1024 * 1024);
    const req = put(port, 4000);
    req.write(Buffer.alloc(1000, 2), () => req.destroy());
    await expect(outcome).rejects.toThrow();
  });
});

describe('drainBody', () => {
  const drain = (req: IncomingMessage, limit: number) => drainBody(req, limit, 60_000);

  it('reads a body up to the limit to its end', async () => {
    const { port, outcome } = await serve(100_000, drain);
    const req = put(port, 70_000);
    req.write(Buffer.alloc(30_000, 1));
    req.end(Buffer.alloc(40_000, 2));
    expect(await outcome).toBe(true);
  });

  it('leaves unread a body announced longer than the limit, or one that turns out longer', async () => {
    const announced = await serve(1000, drain);
    put(announced.port, 5000).write(Buffer.alloc(10, 1));
    expect(await announced.outcome).toBe(false);
    const chunked = await serve(1000, drain);
    const req = request({ host: '127.0.0.1', port: chunked.port, method: 'PUT', path: '/b/k' }); // no length: chunked
    req.on('error', () => undefined);
    req.write(Buffer.alloc(5000, 1));
    expect(await chunked.outcome).toBe(false);
  });
});
