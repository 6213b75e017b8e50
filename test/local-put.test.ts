// `tusk put file` of a large local file to a daemon on this machine hands the
// daemon the path instead of the bytes (it reads the file itself), and `get
// file -o` lets it write the output file itself; both fall back to moving the
// bytes over gRPC when the daemon refuses (here: TUSK_LOCAL_FILES=false).
// The put goes over the recorded daemon's HTTP API (no gRPC client in the
// CLI), and over gRPC when nothing answers there;
// either way the commit, and the file got back, hold exactly the bytes. A caller without a valid
// proof gets LocalFileRefused and nothing is applied.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TuskClient } from '../src/client/index.js';
import { freePort, startDaemon, type DaemonHandle } from './helpers/daemon.js';
import { tusk } from './helpers/tusk-cli.js';

let scratch: string;
let file: string;
const bytes = randomBytes(6 * 1024 * 1024 + 3);
const daemons: DaemonHandle[] = [];

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'tusk-local-put-'));
  file = join(scratch, 'big.bin');
  await writeFile(file, bytes);
});
afterAll(async () => {
  for (const d of daemons) await d.stop();
  await rm(scratch, { recursive: true, force: true });
});

async function read(client: TuskClient, path: string): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const p of client.getFile(path)) parts.push(p);
  return Buffer.concat(parts);
}

describe('put file and get file -o with a daemon on this machine', () => {
  it('lets the daemon read the file itself, and refuses a caller without a proof', async () => {
    const daemon = await startDaemon();
    daemons.push(daemon);
    const client = new TuskClient(daemon.address);
    try {
      expect((await tusk(['create', 'repo', 'data'], { env: daemon.env })).code).toBe(0);
      const put = await tusk(['put', 'file', 'data@master:/big.bin', '-f', file], { env: daemon.env });
      expect(put.stderr).toBe('');
      expect(put.code).toBe(0);
      expect((await read(client, 'data@master:/big.bin')).equals(bytes)).toBe(true);
      expect(daemon.logs()).toContain('local_file_read');
      const out = join(scratch, 'got-local.bin');
      const get = await tusk(['get', 'file', 'data@master:/big.bin', '-o', out], { env: daemon.env });
      expect(get.stderr).toBe('');
      expect((await readFile(out)).equals(bytes)).toBe(true);
      expect(daemon.logs()).toContain('local_file_written');

      const head = (await client.inspectCommit('data@master')).id;
      const writer = await client.modifyFile('data@master');
      await writer.putLocalFile('/stolen.bin', file, { proof: join(scratch, 'big.bin'), nonce: 'n'.repeat(48), dispose: async () => {} });
      await expect(writer.close()).rejects.toMatchObject({ code: 'LocalFileRefused' });
      expect((await client.inspectCommit('data@master')).id).toBe(head);
    } finally {
      client.close();
    }
  });

  it('sends the bytes when the daemon does not read local files', async () => {
    const daemon = await startDaemon({ env: { TUSK_LOCAL_FILES: 'false' } });
    daemons.push(daemon);
    const client = new TuskClient(daemon.address);
    try {
      expect((await tusk(['create', 'repo', 'data'], { env: daemon.env })).code).toBe(0);
      const put = await tusk(['put', 'file', 'data@master:/big.bin', '-f', file], { env: daemon.env });
      expect(put.stderr).toBe('');
      expect(put.code).toBe(0);
      expect((await read(client, 'data@master:/big.bin')).equals(bytes)).toBe(true);
      expect(daemon.logs()).not.toContain('local_file_read');
      const out = join(scratch, 'got-streamed.bin');
      const get = await tusk(['get', 'file', 'data@master:/big.bin', '-o', out], { env: daemon.env });
      expect(get.stderr).toBe('');
      expect((await readFile(out)).equals(bytes)).toBe(true);
      expect(daemon.logs()).not.toContain('local_file_written');
    } finally {
      client.close();
    }
  });

  it("puts over the recorded daemon's HTTP API, with its errors as one line, and over gRPC when that port does not answer", async () => {
    const daemon = await startDaemon();
    daemons.push(daemon);
    const client = new TuskClient(daemon.address);
    try {
      expect((await tusk(['create', 'repo', 'viahttp'], { env: daemon.env })).code).toBe(0);
      const record = JSON.parse(await readFile(join(daemon.home, 'tuskd.json'), 'utf8'));
      const home = await mkdtemp(join(scratch, 'home-'));
      // The record names a gRPC address where nothing listens: only the daemon's HTTP API can answer.
      const deadPort = await freePort();
      await writeFile(join(home, 'tuskd.json'), JSON.stringify({ ...record, port: deadPort, address: `127.0.0.1:${deadPort}` }));
      const env = { ...daemon.env, TUSK_HOME: home, TUSK_ADDRESS: `127.0.0.1:${deadPort}` };
      const put = await tusk(['put', 'file', 'viahttp@master:/big.bin', '-f', file, '-m', 'over http', '-o', 'json'], { env });
      expect(put).toMatchObject({ code: 0, stderr: '' });
      const answer = JSON.parse(put.stdout);
      expect(answer).toMatchObject({ repo: 'viahttp', branch: 'master', description: 'over http', parentId: null, filesWritten: 1, bytesWritten: bytes.length });
      expect((await client.inspectCommit('viahttp@master')).id).toBe(answer.id);
      expect((await read(client, 'viahttp@master:/big.bin')).equals(bytes)).toBe(true);
      expect(daemon.logs()).toContain('local_file_read');

      const missing = await tusk(['put', 'file', 'nosuchrepo@master:/big.bin', '-f', file], { env });
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/^tusk: [^\n]*nosuchrepo[^\n]*\n$/);

      // Now an HTTP port where nothing listens, for the daemon's real address: the put goes over gRPC.
      await writeFile(join(home, 'tuskd.json'), JSON.stringify({ ...record, httpPort: await freePort() }));
      const viaGrpc = await tusk(['put', 'file', 'viahttp@master:/again.bin', '-f', file], { env: { ...daemon.env, TUSK_HOME: home } });
      expect(viaGrpc).toMatchObject({ code: 0, stderr: '' });
      expect((await read(client, 'viahttp@master:/again.bin')).equals(bytes)).toBe(true);
    } finally {
      client.close();
    }
  });

  it('takes ModifyFile over HTTP as JSON messages only when they carry no bytes', async () => {
    const daemon = await startDaemon();
    daemons.push(daemon);
    expect((await tusk(['create', 'repo', 'json'], { env: daemon.env })).code).toBe(0);
    const post = (body: unknown) =>
      fetch(`http://127.0.0.1:${daemon.httpPort}/api/tusk.pfs.PfsApi/ModifyFile`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    const withBytes = await post([{ open: { target: 'json@master' } }, { putFile: { path: '/a' } }, { data: 'aGVsbG8=' }, { endFile: {} }, { close: {} }]);
    expect(withBytes.status).toBe(400);
    expect(await withBytes.json()).toMatchObject({ code: 'BadField' });
    const notArray = await post({ open: { target: 'json@master' } });
    expect(await notArray.json()).toMatchObject({ code: 'BadJson' });
    const client = new TuskClient(daemon.address);
    try {
      await expect(client.inspectCommit('json@master')).rejects.toThrow();
    } finally {
      client.close();
    }
  });
});
