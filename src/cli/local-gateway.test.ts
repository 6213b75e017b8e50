// get file -o and put file of a large local file over the recorded daemon's HTTP API: which daemon it is used
// for, the call it makes, and what comes back (against a stand-in server).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FailedPrecondition, FileNotFound, isTuskError } from '../errors/index.js';
import type { FilesContext } from './context.js';
import { confirmed, gatewayCall, gatewayGetFile, gatewayModifyFile, localGateway, type JsonModifyOp } from './local-gateway.js';

const homes: string[] = [];
const servers: Server[] = [];

afterEach(async () => {
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A context whose TUSK_HOME holds `record` as tuskd.json, talking to `address`. */
function contextWith(record: object | undefined, address: string, env: Record<string, string> = {}): FilesContext {
  const home = mkdtempSync(join(tmpdir(), 'tusk-gateway-test-'));
  homes.push(home);
  if (record) writeFileSync(join(home, 'tuskd.json'), JSON.stringify(record));
  return { env: { TUSK_HOME: home, ...env }, address: () => address } as unknown as FilesContext;
}

const RECORD = { pid: 1, port: 1650, address: '127.0.0.1:1650', httpPort: 1651 };

/** A server answering every request with `status`, `body` and `trailers`; resolves with its port, and records what it got. */
async function standIn(status: number, body: string, trailers?: Record<string, string>): Promise<{ port: number; got: { req: IncomingMessage; body: string }[] }> {
  const got: { req: IncomingMessage; body: string }[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (b: Buffer) => (text += b.toString()));
    req.on('end', () => {
      got.push({ req, body: text });
      res.writeHead(status, { 'content-type': body.startsWith('<') ? 'text/html' : status === 200 && !body.startsWith('{') ? 'application/octet-stream' : 'application/json', ...(trailers ? { trailer: Object.keys(trailers).join(',') } : {}) });
      res.write(body);
      if (trailers) res.addTrailers(trailers);
      res.end();
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, got };
}

async function text(res: IncomingMessage): Promise<string> {
  let out = '';
  for await (const b of res) out += (b as Buffer).toString();
  return out;
}

describe('localGateway', () => {
  it('is the HTTP port of the daemon recorded in TUSK_HOME, when that daemon is the one the CLI talks to', () => {
    expect(localGateway(contextWith(RECORD, '127.0.0.1:1650'))).toEqual({ host: '127.0.0.1', port: 1651 });
    expect(localGateway(contextWith(RECORD, 'grpc://127.0.0.1:1650'))).toEqual({ host: '127.0.0.1', port: 1651 });
    expect(localGateway(contextWith({ ...RECORD, address: '[::1]:1650' }, '[::1]:1650'))).toEqual({ host: '::1', port: 1651 });
  });

  it('takes localhost:PORT for the daemon recorded at a loopback address with that port', () => {
    expect(localGateway(contextWith(RECORD, 'localhost:1650'))).toEqual({ host: '127.0.0.1', port: 1651 });
    expect(localGateway(contextWith({ ...RECORD, address: '[::1]:1650' }, 'localhost:1650'))).toEqual({ host: '::1', port: 1651 });
    expect(localGateway(contextWith(RECORD, 'localhost:1700'))).toBeUndefined();
    expect(localGateway(contextWith({ ...RECORD, address: '10.0.0.5:1650' }, 'localhost:1650'))).toBeUndefined();
  });

  it('is none for another daemon, a TLS address, or a record without an HTTP port', () => {
    expect(localGateway(contextWith(RECORD, '127.0.0.1:1700'))).toBeUndefined();
    expect(localGateway(contextWith(RECORD, 'grpcs://127.0.0.1:1650'))).toBeUndefined();
    expect(localGateway(contextWith({ ...RECORD, httpPort: undefined }, '127.0.0.1:1650'))).toBeUndefined();
    expect(localGateway(contextWith(undefined, '127.0.0.1:1650'))).toBeUndefined();
  });
});

describe('gatewayGetFile', () => {
  const output = { path: '/tmp/out.tusk-partial-1', proof: '/tmp/tusk-proof-x/proof', nonce: 'n'.repeat(32) };

  it('asks GetFile with the local output and the stored token, and gives back the answer', async () => {
    const server = await standIn(200, '', { 'tusk-call-status': 'ok' });
    const ctx = contextWith(RECORD, '127.0.0.1:1650', { TUSK_AUTH_TOKEN: 'secret-token' });
    const answer = await gatewayGetFile(ctx, { host: '127.0.0.1', port: server.port }, 'images@master:/a.png', output);
    expect(answer?.statusCode).toBe(200);
    expect(await text(answer!)).toBe('');
    expect(confirmed(answer!)).toBe(true);
    const [{ req, body }] = server.got as [{ req: IncomingMessage; body: string }];
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/api/tusk.pfs.PfsApi/GetFile');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['authn-token']).toBe('secret-token');
    expect(JSON.parse(body)).toEqual({ file: 'images@master:/a.png', localOutput: output });
  });

  it('does not confirm an answer without the trailer of a call that succeeded (a daemon that answers a failed call with an empty file)', async () => {
    for (const trailers of [undefined, { 'tusk-call-status': 'failed' }]) {
      const server = await standIn(200, '', trailers);
      const answer = await gatewayGetFile(contextWith(RECORD, '127.0.0.1:1650'), { host: '127.0.0.1', port: server.port }, 'images@master:/a.png', output);
      expect(await text(answer!)).toBe('');
      expect(confirmed(answer!)).toBe(false);
    }
  });

  it("throws the daemon's typed error", async () => {
    const refusal = { code: 'FileNotFound', kind: 'not_found', message: 'file /a.png not found in images@master', data: { path: '/a.png' } };
    const server = await standIn(404, JSON.stringify(refusal));
    const err = await gatewayGetFile(contextWith(RECORD, '127.0.0.1:1650'), { host: '127.0.0.1', port: server.port }, 'images@master:/a.png', output).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileNotFound);
    expect(isTuskError(err) && err.message).toBe('file /a.png not found in images@master');
  });

  it('is undefined for an answer that is neither a file nor an error of the API (another server holds a stale record\'s port: the caller goes over gRPC, which reaches the daemon or says it cannot)', async () => {
    for (const [status, body] of [[200, '<html>hello</html>'], [501, '<!DOCTYPE HTML><p>Error code: 501</p>']] as const) {
      const server = await standIn(status, body);
      expect(await gatewayGetFile(contextWith(RECORD, '127.0.0.1:1650'), { host: '127.0.0.1', port: server.port }, 'images@master:/a.png', output)).toBeUndefined();
    }
  });

  it('is undefined when nothing listens at the port (the caller goes over gRPC)', async () => {
    const server = await standIn(200, '');
    const port = server.port;
    await new Promise((resolve) => servers.pop()!.close(resolve));
    expect(await gatewayGetFile(contextWith(RECORD, '127.0.0.1:1650'), { host: '127.0.0.1', port }, 'images@master:/a.png', output)).toBeUndefined();
  });
});

describe('gatewayModifyFile', () => {
  const ops: JsonModifyOp[] = [
    { open: { target: 'images@master', description: 'cats', force: false } },
    { localFile: { path: '/big.bin', append: false, source: '/home/me/big.bin', proof: '/tmp/tusk-proof-x/proof', nonce: 'n'.repeat(32) } },
    { close: {} },
  ];
  const commit = { id: 'c'.repeat(32), repo: 'images', branch: 'master', parentId: '', origin: 'user', started: '2026-01-01T00:00:00Z', finished: '2026-01-01T00:00:01Z', sizeBytes: 5, description: 'cats', provenance: [], fileCount: 1, tree: 't' };

  it('posts the messages as JSON with the stored token, and gives back the commit', async () => {
    const server = await standIn(200, JSON.stringify({ commit, filesWritten: 1, bytesWritten: 5 }));
    const ctx = contextWith(RECORD, '127.0.0.1:1650', { TUSK_AUTH_TOKEN: 'secret-token' });
    expect(await gatewayModifyFile(ctx, { host: '127.0.0.1', port: server.port }, ops)).toEqual({ commit, filesWritten: 1, bytesWritten: 5 });
    const [{ req, body }] = server.got as [{ req: IncomingMessage; body: string }];
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/api/tusk.pfs.PfsApi/ModifyFile');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['authn-token']).toBe('secret-token');
    expect(JSON.parse(body)).toEqual(ops);
  });

  it("throws the daemon's typed error, LocalFileRefused included", async () => {
    const refusal = { code: 'LocalFileRefused', kind: 'failed_precondition', message: 'the daemon does not read this file itself', data: { reason: 'x' } };
    const server = await standIn(412, JSON.stringify(refusal));
    const err = await gatewayModifyFile(contextWith(RECORD, '127.0.0.1:1650'), { host: '127.0.0.1', port: server.port }, ops).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FailedPrecondition);
    expect(err).toMatchObject({ code: 'LocalFileRefused', message: 'the daemon does not read this file itself' });
  });

  it('is undefined when the daemon takes ModifyFile over HTTP as bytes only (an older daemon: nothing was applied)', async () => {
    const old = { code: 'BadContentType', kind: 'invalid_argument', message: '/tusk.pfs.PfsApi/ModifyFile takes content-type application/octet-stream, not application/json', data: {} };
    const server = await standIn(400, JSON.stringify(old));
    expect(await gatewayModifyFile(contextWith(RECORD, '127.0.0.1:1650'), { host: '127.0.0.1', port: server.port }, ops)).toBeUndefined();
  });

  it('is undefined for an error that is not the API\'s (another server at that port: nothing was applied)', async () => {
    const server = await standIn(501, '<!DOCTYPE HTML><p>Error code: 501</p>');
    expect(await gatewayModifyFile(contextWith(RECORD, '127.0.0.1:1650'), { host: '127.0.0.1', port: server.port }, ops)).toBeUndefined();
  });

  it('refuses an answer without a commit (another server at that port)', async () => {
    for (const body of ['<html>hello</html>', '{"hello":1}']) {
      const server = await standIn(200, body);
      const err = await gatewayModifyFile(contextWith(RECORD, '127.0.0.1:1650'), { host: '127.0.0.1', port: server.port }, ops).catch((e: unknown) => e);
      expect(String(err)).toContain('without a commit');
    }
  });

  it('is undefined when nothing listens at the port (the caller goes over gRPC)', async () => {
    const server = await standIn(200, '');
    const port = server.port;
    await new Promise((resolve) => servers.pop()!.close(resolve));
    expect(await gatewayModifyFile(contextWith(RECORD, '127.0.0.1:1650'), { host: '127.0.0.1', port }, ops)).toBeUndefined();
  });
});

describe('a daemon that accepted the connection but does not answer', () => {
  it('fails the call once the connect deadline passes, as DaemonSilent', async () => {
    // A stand-in for a stopped tuskd (kill -STOP): the kernel accepts the connection, nothing is ever said on it.
    const sockets: Socket[] = [];
    const silentDaemon = createTcpServer((socket) => sockets.push(socket));
    await new Promise<void>((r) => silentDaemon.listen(0, '127.0.0.1', () => r()));
    const port = (silentDaemon.address() as AddressInfo).port;
    const ctx = { ...contextWith(undefined, '127.0.0.1:1650'), connectDeadlineMs: 200 } as FilesContext;
    try {
      const calls = [
        gatewayCall(ctx, { host: '127.0.0.1', port }, 'tusk.pfs.PfsApi/InspectCommit', {}),
        gatewayGetFile(ctx, { host: '127.0.0.1', port }, 'r@master:/a', { path: '/tmp/x', proof: 'p', nonce: 'n' }),
        gatewayModifyFile(ctx, { host: '127.0.0.1', port }, [{ close: {} }]),
      ];
      for (const call of calls) await expect(call).rejects.toMatchObject({ code: 'DaemonSilent' });
    } finally {
      for (const s of sockets) s.destroy();
      silentDaemon.close();
    }
  });

  it('times only the first sign of life: a daemon that answers later than the deadline is waited for', async () => {
    // Node's HTTP server says `100 Continue` at once; the answer itself comes after the deadline (a large file written).
    const server = createServer((_req, res) => setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'), 600));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const ctx = { ...contextWith(undefined, '127.0.0.1:1650'), connectDeadlineMs: 200 } as FilesContext;
    expect(await gatewayCall(ctx, { host: '127.0.0.1', port: (server.address() as AddressInfo).port }, 'tusk.pfs.PfsApi/InspectCommit', {})).toEqual({ ok: true });
  });
});
