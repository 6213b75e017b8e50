import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { fastNextDatum } from './next-datum-ask.js';

/** A stand-in for the worker socket: records requests, answers each with `reply(request)`. */
function serve(path: string, reply: (req: { op: string; error?: string }) => object, seen: object[]): Promise<Server> {
  const server = createServer((socket) => {
    let buf = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buf += chunk;
      const end = buf.indexOf('\n');
      if (end < 0) return;
      const req = JSON.parse(buf.slice(0, end));
      seen.push(req);
      socket.end(JSON.stringify(reply(req)) + '\n');
    });
  });
  return new Promise((resolve) => server.listen(path, () => resolve(server)));
}

function text(stream: PassThrough): string {
  return (stream.read() as Buffer | null)?.toString() ?? '';
}

describe('tusk next datum without the CLI framework', () => {
  let dir: string;
  let server: Server | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tusk-next-'));
  });
  afterEach(async () => {
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    server = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  test('prints the next datum as exports and forwards --error for the current one', async () => {
    const seen: object[] = [];
    const sock = join(dir, 'w.sock');
    server = await serve(sock, () => ({ env: { images: "/pfs/images/it's.png", 'not-a-name': 'x' } }), seen);
    const [out, err] = [new PassThrough(), new PassThrough()];
    expect(await fastNextDatum(['next', 'datum'], { TUSK_WORKER_SOCKET: sock }, out, err)).toBe(0);
    expect(text(out)).toBe("export images='/pfs/images/it'\\''s.png'\n");
    expect(text(err)).toBe('tusk: not exported (not shell names): not-a-name\n');
    expect(await fastNextDatum(['next', 'datum', '--error', 'bad input'], { TUSK_WORKER_SOCKET: sock }, out, err)).toBe(0);
    expect(seen).toEqual([{ op: 'next' }, { op: 'next', error: 'bad input' }]);
  });

  test('a refusal from the worker is one `tusk:` line and exit 1', async () => {
    const sock = join(dir, 'w.sock');
    server = await serve(sock, () => ({ error: 'no datum in progress' }), []);
    const [out, err] = [new PassThrough(), new PassThrough()];
    expect(await fastNextDatum(['next', 'datum'], { TUSK_WORKER_SOCKET: sock }, out, err)).toBe(1);
    expect(text(err)).toBe('tusk: no datum in progress\n');
    expect(text(out)).toBe('');
  });

  test('other arguments, other commands, or no worker socket are left to the full CLI', async () => {
    const [out, err] = [new PassThrough(), new PassThrough()];
    const env = { TUSK_WORKER_SOCKET: join(dir, 'none.sock') };
    expect(await fastNextDatum(['next', 'datum', '-o', 'json'], env, out, err)).toBeUndefined();
    expect(await fastNextDatum(['next', 'datum', '--help'], env, out, err)).toBeUndefined();
    expect(await fastNextDatum(['list', 'repo'], env, out, err)).toBeUndefined();
    expect(await fastNextDatum(['next', 'datum'], {}, out, err)).toBeUndefined();
  });
});
