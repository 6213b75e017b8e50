// `list file` / `glob file` from a daemon on this machine: the first page over the HTTP API, the rest over gRPC, the
// same commit for both (against a stand-in HTTP server and a stand-in gRPC client).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FileInfo } from '../client/index.js';
import { RepoNotFound } from '../errors/index.js';
import type { FilesContext } from './context.js';
import { arrayElements } from './local-gateway.js';
import { FIRST_PAGE, listingBatches, type ListingQuery } from './local-listing.js';

const homes: string[] = [];
const servers: Server[] = [];

afterEach(async () => {
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

const COMMIT = 'c'.repeat(32);

function entries(n: number): FileInfo[] {
  return Array.from({ length: n }, (_, i) => ({ path: `/f${String(i).padStart(5, '0')}`, type: 'file', sizeBytes: i, hash: 'h', commit: '' }));
}

interface Call {
  method: string;
  body: Record<string, unknown>;
}

/**
 * A daemon's HTTP API over `files`, read from commit COMMIT: ListFile and GlobFile page through the files in batches
 * of 100 (the batch carries the commit, as asked with commitOnce); `cutAfter` batches, the connection is cut.
 */
async function daemon(files: FileInfo[], options: { cutAfter?: number; error?: object } = {}): Promise<{ port: number; calls: Call[] }> {
  const calls: Call[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (b: Buffer) => (text += b.toString()));
    req.on('end', () => {
      const method = req.url!.slice('/api/'.length);
      const body = JSON.parse(text) as Record<string, unknown>;
      calls.push({ method, body });
      if (options.error) return res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify(options.error));
      const after = String(body.startAfter ?? '');
      const limit = Number(body.limit) || Infinity;
      const page = files.filter((f) => f.path > after).slice(0, limit);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[');
      for (let i = 0; i * 100 < page.length; i++) {
        if (i === options.cutAfter) return void res.write('', () => res.destroy()); // once what was written has gone out
        // each message in two writes, cut inside a string: the reader joins the pieces
        const message = JSON.stringify({ files: page.slice(i * 100, i * 100 + 100).map((f) => ({ ...f, commit: '' })), commit: COMMIT });
        res.write((i > 0 ? ',' : '') + message.slice(0, 30));
        res.write(message.slice(30));
      }
      res.end(']');
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, calls };
}

/** A context for the daemon recorded with HTTP port `httpPort`, whose gRPC client lists `files` and records its calls. */
function contextFor(httpPort: number, files: FileInfo[]) {
  const home = mkdtempSync(join(tmpdir(), 'tusk-listing-test-'));
  homes.push(home);
  writeFileSync(join(home, 'tuskd.json'), JSON.stringify({ pid: 1, port: 1650, address: '127.0.0.1:1650', httpPort }));
  const grpc: { what: string; page: { limit?: number; startAfter?: string } }[] = [];
  let loaded = false;
  async function* batches(what: string, page: { limit?: number; startAfter?: string }): AsyncIterable<FileInfo[]> {
    if (!loaded) throw new Error('client used before loadClient()');
    grpc.push({ what, page });
    const rest = files.filter((f) => f.path > (page.startAfter ?? '')).slice(0, page.limit ?? Infinity);
    for (let i = 0; i < rest.length; i += 1000) yield rest.slice(i, i + 1000).map((f) => ({ ...f, commit: 'grpc' }));
  }
  const ctx = {
    env: { TUSK_HOME: home },
    address: () => '127.0.0.1:1650',
    loadClient: async () => void (loaded = true),
    client: () => ({
      listFileBatches: (dir: string, page: object) => batches(`list ${dir}`, page),
      globFileBatches: (commit: string, pattern: string, page: object) => batches(`glob ${commit} ${pattern}`, page),
    }),
  } as unknown as FilesContext;
  return { ctx, grpc };
}

async function all(batches: AsyncIterable<FileInfo[]>): Promise<FileInfo[]> {
  const out: FileInfo[] = [];
  for await (const batch of batches) out.push(...batch);
  return out;
}

const LIST: ListingQuery = { kind: 'list', ref: 'images@master', path: '/cats' };

describe('listingBatches', () => {
  it('lists a short folder over the HTTP API alone, each entry with the commit it was read from', async () => {
    const files = entries(250);
    const d = await daemon(files);
    const { ctx, grpc } = contextFor(d.port, files);
    const got = await all(listingBatches(ctx, LIST));
    expect(got.map((f) => f.path)).toEqual(files.map((f) => f.path));
    expect(got.every((f) => f.commit === COMMIT)).toBe(true);
    expect(grpc).toEqual([]);
    expect(d.calls).toEqual([{ method: 'tusk.pfs.PfsApi/ListFile', body: { dir: 'images@master:/cats', limit: FIRST_PAGE, startAfter: '', commitOnce: true } }]);
  });

  it('goes on over gRPC after a full first page, from its last entry, at the commit the page was read from', async () => {
    const files = entries(FIRST_PAGE + 1500);
    const d = await daemon(files);
    const { ctx, grpc } = contextFor(d.port, files);
    const got = await all(listingBatches(ctx, { kind: 'glob', ref: 'images@master', path: '/f*' }));
    expect(got.map((f) => f.path)).toEqual(files.map((f) => f.path));
    expect(d.calls).toEqual([{ method: 'tusk.pfs.PfsApi/GlobFile', body: { commit: 'images@master', pattern: '/f*', limit: FIRST_PAGE, startAfter: '', commitOnce: true } }]);
    expect(grpc).toEqual([{ what: `glob images@${COMMIT} /f*`, page: { limit: undefined, startAfter: files[FIRST_PAGE - 1]!.path } }]);
  });

  it('keeps to --limit and --start-after across both', async () => {
    const files = entries(FIRST_PAGE + 1500);
    const d = await daemon(files);
    const { ctx, grpc } = contextFor(d.port, files);
    const got = await all(listingBatches(ctx, { ...LIST, limit: FIRST_PAGE + 10, startAfter: files[4]!.path }));
    expect(got.map((f) => f.path)).toEqual(files.slice(5, 5 + FIRST_PAGE + 10).map((f) => f.path));
    expect(grpc).toEqual([{ what: `list images@${COMMIT}:/cats`, page: { limit: 10, startAfter: files[4 + FIRST_PAGE]!.path } }]);
    // a limit within the first page: HTTP alone, even when the page is full
    const { ctx: small, grpc: smallGrpc } = contextFor(d.port, files);
    expect((await all(listingBatches(small, { ...LIST, limit: 100 }))).length).toBe(100);
    expect(smallGrpc).toEqual([]);
  });

  it('asks over gRPC for the rest of an answer cut short, which then says why or gives the rest', async () => {
    const files = entries(700);
    const d = await daemon(files, { cutAfter: 3 });
    const { ctx, grpc } = contextFor(d.port, files);
    const got = await all(listingBatches(ctx, LIST));
    expect(got.map((f) => f.path)).toEqual(files.map((f) => f.path));
    expect(grpc).toEqual([{ what: `list images@${COMMIT}:/cats`, page: { limit: undefined, startAfter: files[299]!.path } }]);
  });

  it("throws the daemon's typed error", async () => {
    const d = await daemon([], { error: { code: 'RepoNotFound', kind: 'not_found', message: 'repo "images" not found', data: { repo: 'images' } } });
    const { ctx, grpc } = contextFor(d.port, []);
    const err = await all(listingBatches(ctx, LIST)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RepoNotFound);
    expect(grpc).toEqual([]);
  });

  it('asks the rest of a bare repo (its master) of the commit the page was read from', async () => {
    const files = entries(FIRST_PAGE + 5);
    const d = await daemon(files);
    const { ctx, grpc } = contextFor(d.port, files);
    expect((await all(listingBatches(ctx, { kind: 'list', ref: 'images', path: '/' }))).length).toBe(FIRST_PAGE + 5);
    expect(grpc).toEqual([{ what: `list images@${COMMIT}:/`, page: { limit: undefined, startAfter: files[FIRST_PAGE - 1]!.path } }]);
  });

  it('lists over gRPC alone when another server holds the recorded HTTP port (a stale record)', async () => {
    const files = entries(20);
    const server = createServer((_req, res) => res.writeHead(501, { 'content-type': 'text/html' }).end('<!DOCTYPE HTML><p>Error code: 501</p>'));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { ctx, grpc } = contextFor((server.address() as AddressInfo).port, files);
    expect((await all(listingBatches(ctx, LIST))).map((f) => f.commit)).toEqual(files.map(() => 'grpc'));
    expect(grpc).toEqual([{ what: 'list images@master:/cats', page: { limit: undefined, startAfter: undefined } }]);
  });

  it('asks a global commit ID (a ref without a repo) for the rest as it is', async () => {
    const files = entries(FIRST_PAGE + 5);
    const d = await daemon(files);
    const { ctx, grpc } = contextFor(d.port, files);
    expect((await all(listingBatches(ctx, { kind: 'list', ref: COMMIT, path: '/' }))).length).toBe(FIRST_PAGE + 5);
    expect(grpc).toEqual([{ what: `list ${COMMIT}:/`, page: { limit: undefined, startAfter: files[FIRST_PAGE - 1]!.path } }]);
  });

  it('lists over gRPC alone when the daemon does not know a field of the request (an older daemon)', async () => {
    const files = entries(5);
    const d = await daemon(files, { error: { code: 'UnknownField', kind: 'invalid_argument', message: '/tusk.pfs.PfsApi/ListFile: unknown field "commitOnce"', data: {} } });
    const { ctx, grpc } = contextFor(d.port, files);
    expect((await all(listingBatches(ctx, LIST))).length).toBe(5);
    expect(grpc).toEqual([{ what: 'list images@master:/cats', page: { limit: undefined, startAfter: undefined } }]);
  });

  it('lists over gRPC alone, with the ref as given, when nothing listens at the HTTP port', async () => {
    const files = entries(5);
    const d = await daemon(files);
    const { ctx: closed, grpc: closedGrpc } = contextFor(d.port, files);
    await new Promise((resolve) => servers.pop()!.close(resolve));
    expect((await all(listingBatches(closed, LIST))).length).toBe(5);
    expect(closedGrpc).toEqual([{ what: 'list images@master:/cats', page: { limit: undefined, startAfter: undefined } }]);
  });
});

describe('arrayElements', () => {
  async function* pieces(text: string, size: number): AsyncIterable<string> {
    for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
  }

  it('parses each element of a JSON array of objects, however the text is cut', async () => {
    const elements = [{ files: [{ path: '/a{b}[c]"d\\', type: 'file' }], commit: 'x' }, {}, { nested: { deep: [1, { a: '\\"}' }] } }];
    const text = JSON.stringify(elements);
    for (const size of [1, 2, 3, 7, 1000]) {
      const got: unknown[] = [];
      for await (const e of arrayElements(pieces(text, size))) got.push(e);
      expect(got).toEqual(elements);
    }
    const none: unknown[] = [];
    for await (const e of arrayElements(pieces('[]', 1))) none.push(e);
    expect(none).toEqual([]);
  });
});
