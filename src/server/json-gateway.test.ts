// The JSON gateway's own channel to the daemon's gRPC server.
import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
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
});
