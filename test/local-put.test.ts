// `tusk put file` of a large local file to a daemon on this machine hands the
// daemon the path instead of the bytes (it reads the file itself), and `get
// file -o` lets it write the output file itself; both fall back to moving the
// bytes over gRPC when the daemon refuses (here: TUSK_LOCAL_FILES=false);
// either way the commit, and the file got back, hold exactly the bytes. A caller without a valid
// proof gets LocalFileRefused and nothing is applied.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TuskClient } from '../src/client/index.js';
import { startDaemon, type DaemonHandle } from './helpers/daemon.js';
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
});
