// The JSON gateway's own channel to the daemon's gRPC server.
import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { AdminApiService } from '../gen/tusk/admin.js';
import { JsonGateway } from './json-gateway.js';

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

describe('the JSON gateway', () => {
  it('connects to the gRPC server when it is made, so its first call does not wait for the connection', async () => {
    // Stands in for the gRPC server: only whether a connection arrives matters here.
    const sockets: Socket[] = [];
    const server = createServer((s) => sockets.push(s));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    closers.push(() => {
      for (const s of sockets) s.destroy();
      server.close();
    });
    const connected = once(server, 'connection');
    const gateway = new JsonGateway(`127.0.0.1:${(server.address() as AddressInfo).port}`, []);
    closers.push(() => gateway.close());
    await connected; // no call was made
    expect(sockets.length).toBeGreaterThan(0);
  }, 5_000); // without the connection, the wait above never ends

  it('makes one Version call when it is made, so the first caller does not run the call path cold', async () => {
    const server = new Server();
    let calls = 0;
    let called!: () => void;
    const version = new Promise<void>((resolve) => (called = resolve));
    server.addService(AdminApiService, {
      version: (_call: unknown, cb: (err: null, res: unknown) => void) => {
        calls++;
        cb(null, { version: 'test', storage: '', home: '', pid: 0, warning: '', authActive: false });
        called();
      },
      gc: (_call: unknown, cb: (err: Error) => void) => cb(new Error('not here')),
    });
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
    closers.push(() => server.forceShutdown());
    const gateway = new JsonGateway(`127.0.0.1:${port}`, [AdminApiService]);
    closers.push(() => gateway.close());
    await version; // no caller made a call
    expect(calls).toBe(1);
  }, 5_000); // without the call, the wait above never ends
});
