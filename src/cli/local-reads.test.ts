// The small reads of the file commands from a daemon on this machine: over its HTTP API when it answers there, the
// request TuskClient would send and the answer TuskClient would return, else over gRPC (against a stand-in server
// and a stand-in client).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BranchNotFound } from '../errors/index.js';
import type { CliContext } from './context.js';
import { LocalPpsReads, LocalReads } from './local-reads.js';

const homes: string[] = [];
const servers: Server[] = [];

afterEach(async () => {
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A server answering every call with `status` and `answer` as JSON; records the calls. */
async function standIn(status: number, answer: object): Promise<{ port: number; calls: { url: string; body: unknown }[] }> {
  const calls: { url: string; body: unknown }[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (b: Buffer) => (text += b.toString()));
    req.on('end', () => {
      calls.push({ url: req.url!, body: JSON.parse(text) });
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, calls };
}

/** A context for the daemon recorded with HTTP port `httpPort`, whose gRPC client records its calls. */
function contextFor(httpPort: number) {
  const home = mkdtempSync(join(tmpdir(), 'tusk-reads-test-'));
  homes.push(home);
  writeFileSync(join(home, 'tuskd.json'), JSON.stringify({ pid: 1, port: 1650, address: '127.0.0.1:1650', httpPort }));
  const grpc: string[] = [];
  let loaded: string | undefined;
  const call = (what: string, answer: unknown) => {
    if (!loaded) throw new Error('client used before loadClient()');
    grpc.push(what);
    return Promise.resolve(answer);
  };
  const ctx = {
    env: { TUSK_HOME: home, TUSK_AUTH_TOKEN: 'secret-token' },
    address: () => '127.0.0.1:1650',
    loadClient: async (scope = 'files') => void (loaded = scope),
    client: () => ({ listBranches: (repo: string) => call(`listBranches ${repo}`, [{ name: 'grpc' }]), inspectCommit: (ref: string) => call(`inspectCommit ${ref}`, { id: 'grpc' }) }),
    pps: () => (loaded === 'all' ? { listJobs: (pipeline: string) => call(`listJobs ${pipeline}`, [{ id: 'grpc' }]) } : undefined),
  } as unknown as CliContext;
  return { ctx, grpc };
}

describe('LocalReads', () => {
  it('asks the HTTP API what TuskClient would ask over gRPC, and returns what it would return', async () => {
    const branches = [{ name: 'master', repo: 'images', head: 'c'.repeat(32), trigger: { branch: 'staging', all: false, cronSpec: '', size: '1MB', commits: 0 } }];
    const server = await standIn(200, { branches });
    const { ctx, grpc } = contextFor(server.port);
    expect(await new LocalReads(ctx).listBranches('images')).toEqual(branches);
    const commit = await standIn(200, { id: 'c'.repeat(32), repo: 'images' });
    const { ctx: other } = contextFor(commit.port);
    expect(await new LocalReads(other).inspectCommit('images@master^2')).toEqual({ id: 'c'.repeat(32), repo: 'images' });
    expect(server.calls).toEqual([{ url: '/api/tusk.pfs.PfsApi/ListBranch', body: { repo: 'images' } }]);
    expect(commit.calls).toEqual([{ url: '/api/tusk.pfs.PfsApi/InspectCommit', body: { commit: 'images@master^2', wait: false } }]);
    expect(grpc).toEqual([]);
  });

  it("throws the daemon's typed error", async () => {
    const server = await standIn(404, { code: 'BranchNotFound', kind: 'not_found', message: 'branch "x" of repo "images" not found', data: { repo: 'images', branch: 'x' } });
    const { ctx } = contextFor(server.port);
    const err = await new LocalReads(ctx).inspectCommit('images@x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BranchNotFound);
    expect((err as Error).message).toBe('branch "x" of repo "images" not found');
  });

  it('asks over gRPC when nothing listens at the HTTP port', async () => {
    const server = await standIn(200, {});
    await new Promise((resolve) => servers.pop()!.close(resolve));
    const { ctx, grpc } = contextFor(server.port);
    expect(await new LocalReads(ctx).listBranches('images')).toEqual([{ name: 'grpc' }]);
    expect(grpc).toEqual(['listBranches images']);
  });

  it('asks over gRPC when another server holds the recorded HTTP port (a stale record), and its answer is not shown', async () => {
    for (const [status, type, body] of [[501, 'text/html', '<!DOCTYPE HTML><h1>Error response</h1>'], [200, 'text/html', '<html>hello</html>']] as const) {
      const server = createServer((_req, res) => res.writeHead(status, { 'content-type': type }).end(body));
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { ctx, grpc } = contextFor((server.address() as AddressInfo).port);
      expect(await new LocalReads(ctx).listBranches('images')).toEqual([{ name: 'grpc' }]);
      expect(grpc).toEqual(['listBranches images']);
    }
  });

  it('does the same for the pipeline commands, loading every client only to ask over gRPC', async () => {
    const jobs = [{ id: 'j'.repeat(32), pipeline: 'edges', state: 'success' }];
    const server = await standIn(200, { jobs });
    const { ctx, grpc } = contextFor(server.port);
    expect(await new LocalPpsReads(ctx).listJobs('edges')).toEqual(jobs);
    expect(server.calls).toEqual([{ url: '/api/tusk.pps.PpsApi/ListJob', body: { pipeline: 'edges' } }]);
    expect(grpc).toEqual([]);
    await new Promise((resolve) => servers.pop()!.close(resolve));
    const { ctx: closed, grpc: closedGrpc } = contextFor(server.port);
    expect(await new LocalPpsReads(closed).listJobs('edges')).toEqual([{ id: 'grpc' }]);
    expect(closedGrpc).toEqual(['listJobs edges']);
  });
});
