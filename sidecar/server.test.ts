import { mkdtemp, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { serveSidecar, SidecarClient, silentLogger, type DatumInput } from '../src/worker-protocol/index.js';
import { DatumArea } from './datum-area.js';
import { Limit } from './serial.js';
import { sidecarHandlers } from './server.js';
import type { OutputSink } from './upload.js';

let dir: string | undefined;
let server: Server | undefined;
afterEach(async () => {
  server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const noSource = {
  getFile(ref: string): AsyncIterable<Uint8Array> {
    throw new Error(`nothing is fetched in this test (${ref})`);
  },
};
const noSink: OutputSink = {
  putDatumOutput() {
    throw new Error('outputs of this test are inline');
  },
};

/** An input of one small file sent inline. */
function inline(path: string, text: string): DatumInput[] {
  return [{ name: 'in', repo: 'in', branch: 'master', commit: 'c1', path, files: [{ path, sizeBytes: text.length, hash: '', data: Buffer.from(text).toString('base64') }], joinOn: '', groupBy: '', emptyFiles: false, lazy: false }];
}

/** A sidecar serving a fresh datum area over a socket, and a client of it. */
async function sidecarOnAnArea(): Promise<{ pfs: string; client: SidecarClient }> {
  dir = await mkdtemp(join(tmpdir(), 'tusk-sidecar-'));
  const pfs = join(dir, 'pfs');
  await mkdir(pfs);
  const area = new DatumArea(pfs, join(dir, 'stage'), noSource, noSink, new Limit(4));
  await area.reset();
  server = createServer();
  serveSidecar(server, sidecarHandlers(area, silentLogger));
  const socket = join(dir, 's.sock');
  await new Promise<void>((resolve) => server!.listen(socket, resolve));
  const client = await SidecarClient.connect(socket);
  return { pfs, client };
}

test('when a datum ends, the next one is activated and answered before the finished one is uploaded and the one after is fetched', async () => {
  const { pfs, client } = await sidecarOnAnArea();

  // Three datums come and go first, so the next ones reuse their slot folders, as in a running job.
  for (const s of ['x', 'y', 'z']) await client.call('prepare', { slot: s, inputs: inline(`/${s}.txt`, s) });
  for (const s of ['x', 'y', 'z']) {
    await client.call('activate', { slot: s });
    await client.call('finish', { slot: s });
  }
  await client.call('prepare', { slot: 'a', inputs: inline('/a.txt', 'A') });
  await client.call('prepare', { slot: 'b', inputs: inline('/b.txt', 'B') });
  await client.call('activate', { slot: 'a' });
  await writeFile(join(pfs, 'out', 'a.out'), 'from a');

  // What a worker sends in one frame when the code asks for its next datum.
  const answered: string[] = [];
  const finished = client.call('finish', { slot: 'a', datum: { pipeline: 'p', job: 'j', datum: 'a' } }).then((r) => (answered.push('finish a'), r));
  const activated = client.call('activate', { slot: 'b' }).then(async () => {
    answered.push('activate b');
    return { inputs: await readdir(join(pfs, 'in')), out: await readdir(join(pfs, 'out')) };
  });
  const prepared = client.call('prepare', { slot: 'c', inputs: inline('/c.txt', 'C') }).then(() => answered.push('prepare c'));
  const [output, active] = await Promise.all([finished, activated, prepared]);

  expect(answered[0]).toBe('activate b');
  expect(answered.slice(1).sort()).toEqual(['finish a', 'prepare c']);
  expect(active).toEqual({ inputs: ['b.txt'], out: [] });
  expect(output).toEqual({ output: '', files: 1, bytes: 6, inline: [{ path: '/a.out', data: Buffer.from('from a').toString('base64') }] });
  // c was fetched meanwhile and is what the next activation gives the code.
  await client.call('finish', { slot: 'b' });
  await client.call('activate', { slot: 'c' });
  expect(await readFile(join(pfs, 'in', 'c.txt'), 'utf8')).toBe('C');
  client.close();
});

test('a worker that switched the datum itself sends what it collected: the slot\'s output is uploaded and $TUSK_PFS is not touched', async () => {
  const { pfs, client } = await sidecarOnAnArea();

  const { dirs } = await client.call('prepare', { slot: 'a', inputs: inline('/a.txt', 'A') });
  expect(await readFile(join(dirs!.in, 'in', 'a.txt'), 'utf8')).toBe('A');
  // What worker/datum-switch.ts does: inputs in, the code writes, output and inputs out.
  await rename(join(dirs!.in, 'in'), join(pfs, 'in'));
  await writeFile(join(pfs, 'out', 'a.out'), 'from a');
  await rename(join(pfs, 'out', 'a.out'), join(dirs!.out, 'a.out'));
  await rename(join(pfs, 'in'), join(dirs!.in, 'in'));
  // Another datum is active in $TUSK_PFS meanwhile: finishing a must leave it alone.
  await writeFile(join(pfs, 'out', 'b.out'), 'from b');
  const output = await client.call('finish', { slot: 'a', datum: { pipeline: 'p', job: 'j', datum: 'a' }, collected: [{ name: 'a.out', kind: 'file' }] });
  expect(output).toEqual({ output: '', files: 1, bytes: 6, inline: [{ path: '/a.out', data: Buffer.from('from a').toString('base64') }] });
  expect(await readdir(join(pfs, 'out'))).toEqual(['b.out']);
  client.close();
});
