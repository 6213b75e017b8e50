import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { InvalidPath, isTuskError } from '../errors/index.js';
import { serveSidecar, SidecarClient, type Handlers } from './sidecar-protocol.js';

let dir: string | undefined;
let server: Server | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function serve(handlers: Partial<Handlers>): Promise<string> {
  dir = await mkdtemp(join(tmpdir(), 'tusk-proto-'));
  const path = join(dir, 's.sock');
  server = createServer();
  server.on('connection', (s) => sockets.push(s));
  serveSidecar(server, handlers as Handlers);
  await new Promise<void>((r) => server!.listen(path, r));
  return path;
}

describe('the worker ↔ sidecar protocol', () => {
  test('requests in flight at once get their own answers, whatever order they finish in', async () => {
    const path = await serve({
      prepare: async ({ slot }) => {
        await new Promise((r) => setTimeout(r, slot === 'slow' ? 30 : 1));
        return { files: slot.length, bytes: 0 };
      },
    });
    const client = await SidecarClient.connect(path);
    const [slow, fast] = await Promise.all([client.call('prepare', { slot: 'slow', inputs: [] }), client.call('prepare', { slot: 'f', inputs: [] })]);
    expect(slow.files).toBe(4);
    expect(fast.files).toBe(1);
    client.close();
  });

  test('a TuskError thrown by the sidecar reaches the worker with its code and data', async () => {
    const path = await serve({ prepare: async () => Promise.reject(new InvalidPath('/../x', 'contains ".." segments')) });
    const client = await SidecarClient.connect(path);
    const err = await client.call('prepare', { slot: 'd', inputs: [] }).catch((e: unknown) => e);
    expect(isTuskError(err) && err.code).toBe('InvalidPath');
    expect(isTuskError(err) && err.data).toEqual({ path: '/../x', reason: 'contains ".." segments' });
    client.close();
  });

  test('an unknown operation is answered with an error, not silence', async () => {
    const path = await serve({});
    const client = await SidecarClient.connect(path);
    await expect(client.call('ping', {})).rejects.toThrow(/unknown sidecar operation/);
    client.close();
  });

  test('a request that breaks the protocol is answered with an error naming what is wrong', async () => {
    const path = await serve({ finish: async () => ({ output: 'o', files: 0, bytes: 0 }) });
    const client = await SidecarClient.connect(path);
    const err = await client.call('finish', { slot: 'd', datum: { pipeline: 'p', job: '', datum: 'x' } }).catch((e: unknown) => e);
    expect(isTuskError(err) && err.code).toBe('BadWorkerMessage');
    expect((err as Error).message).toBe('bad datum reference: no job');
    await expect(client.call('prepare', { slot: '', inputs: [] })).rejects.toThrow('bad prepare arguments: no slot');
    // A collected entry is a plain name in out/: nothing outside the slot's out folder is ever uploaded.
    await expect(client.call('finish', { slot: 'd', collected: [{ name: '../../etc', kind: 'dir' }] })).rejects.toThrow('bad finish arguments');
    await expect(client.call('finish', { slot: 'd', collected: [{ name: 'x', kind: 'fifo' as 'file' }] })).rejects.toThrow('bad finish arguments');
    await expect(client.call('finish', { slot: 'd', collected: [{ name: 'x', kind: 'file' }] })).resolves.toEqual({ output: 'o', files: 0, bytes: 0 });
    client.close();
  });

  test('losing the sidecar rejects pending requests and tells the worker', async () => {
    let lost = '';
    let received!: () => void;
    const inSidecar = new Promise<void>((r) => (received = r));
    const path = await serve({ finish: () => (received(), new Promise(() => {})) });
    const client = await SidecarClient.connect(path);
    client.onLost = (err) => (lost = err.code);
    const pending = client.call('finish', { slot: 'd', datum: { pipeline: 'p', job: 'j', datum: 'd' } });
    await inSidecar; // the request is being served when the sidecar goes
    server!.close();
    for (const s of sockets.splice(0)) s.destroy();
    await expect(pending).rejects.toThrow(/sidecar unavailable/);
    expect(lost).toBe('WorkerPeerUnavailable');
  });
});
