// Issue 18, points 1, 6 and 7 against a real tuskd over real sockets: a
// pathological glob answers at once and /healthz keeps answering during a long
// glob, whose walk stops when the client cancels; bad inputs (deep specs, binary
// specs, deep or DTD-laden XML, NUL keys, an unusable home) get one line naming
// the input and the problem; keys with control characters list as XML that
// parses, with encoding-type=url or escaped.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, CreateMultipartUploadCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { credentials } from '@grpc/grpc-js';
import { XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TuskClient } from '../src/client/index.js';
import { PfsApiClient } from '../src/gen/tusk/pfs.js';
import { startDaemon, type DaemonHandle } from './helpers/daemon.js';
import { closeClients, s3Error, sdkClient, sha256, signedFetch, startGatewayDaemon } from './helpers/s3-gateway.js';
import { expectError, tusk } from './helpers/tusk-cli.js';

let d: DaemonHandle;
let client: TuskClient;
let s3: S3Client;
let dir: string;
const LONG = 'r'.repeat(5000);

beforeAll(async () => {
  d = await startGatewayDaemon();
  client = new TuskClient(d.address);
  s3 = sdkClient(d);
  dir = await mkdtemp(join(tmpdir(), 'tusk-hardening-'));
  await client.createRepo('g');
  const w = await client.modifyFile('g@master');
  await w.putFile('/' + LONG, Buffer.from('x'));
  // names of 60,000 characters: a walk over them with a large pattern takes seconds
  for (let i = 0; i < 8; i++) await w.putFile(`/big/${i}${'r'.repeat(60_000)}`, Buffer.from('x'));
  await w.close();
}, 120_000);

afterAll(async () => {
  client?.close();
  s3?.destroy();
  closeClients();
  await d?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function healthz(): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${d.httpPort}/healthz`, { signal: AbortSignal.timeout(5000) });
  return res.status;
}

describe('globs cannot stall the daemon (point 1)', () => {
  it('answers the pathological pattern on a 5,000-character name at once', async () => {
    const res = await tusk(['glob', 'file', 'g@master:/' + '*?'.repeat(12) + 'z', '-o', 'json'], { env: d.env, timeoutMs: 60_000 });
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual([]);
    const hit = await tusk(['glob', 'file', 'g@master:/' + '*?'.repeat(12) + 'r', '-o', 'json'], { env: d.env, timeoutMs: 60_000 });
    expect(JSON.parse(hit.stdout).map((f: { path: string }) => f.path)).toEqual(['/' + LONG]);
  }, 30_000);

  it('keeps /healthz answering during a long glob, and stops the walk when the caller cancels', async () => {
    const pattern = '/big/!(x)' + '*?'.repeat(40) + 'z'; // '!(…)' keeps it off the DFA: seconds of matching
    const call = (async () => {
      for await (const _ of client.globFile('g@master', pattern));
    })();
    call.catch(() => {});
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      statuses.push(await healthz()); // each answered within 5 s (on main: blocked for minutes)
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(statuses).toEqual(Array(10).fill(200));
    // cancel: a call dropped mid-walk (as when `tusk glob file` gets Ctrl-C); the daemon stops walking
    const raw = new PfsApiClient(d.address, credentials.createInsecure());
    // Connected first, so the call reaches the daemon at once rather than after a handshake slowed by load.
    await new Promise<void>((resolve, reject) => raw.waitForReady(Date.now() + 30_000, (err) => (err ? reject(err) : resolve())));
    const stream = raw.globFile({ commit: 'g@master', pattern, limit: 0, startAfter: '' });
    stream.on('error', () => {});
    await new Promise((r) => setTimeout(r, 1000));
    stream.cancel();
    raw.close();
    await expect.poll(() => d.logs().includes('"event":"rpc_cancelled","rpc":"GlobFile"'), { timeout: 45_000 }).toBe(true);
    await call;
  }, 120_000);
});

describe('errors that say what is wrong (point 6)', () => {
  it('a deeply nested glob is InvalidGlob naming the limit, not a stack overflow', async () => {
    const res = await tusk(['glob', 'file', 'g@master:/' + '{a,'.repeat(3000) + 'a' + '}'.repeat(3000)], { env: d.env });
    expectError(res, /invalid glob .*longer than 1024 characters/);
    const nested = await tusk(['glob', 'file', 'g@master:/' + '{a,'.repeat(100) + 'a' + '}'.repeat(100)], { env: d.env });
    expectError(nested, /nests groups and braces deeper than 32 levels/);
  });

  it('a deeply nested JSON spec and a binary spec each get one line naming the file and the problem', async () => {
    const deep = join(dir, 'deep.json');
    await writeFile(deep, '{"pipeline":{"name":"p"},"transform":{"cmd":["x"]},"input":' + '{"cross":['.repeat(3000) + '{"pfs":{"repo":"g","glob":"/*"}}' + ']}'.repeat(3000) + '}');
    expectError(await tusk(['create', 'pipeline', '-f', deep], { env: d.env }), new RegExp(`${deep}: the spec nests deeper than 64 levels at line 1, column \\d+`));
    const binary = join(dir, 'binary.yaml');
    await writeFile(binary, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0xff, 0xfe, 0x00, 0x10]));
    expectError(await tusk(['create', 'pipeline', '-f', binary], { env: d.env }), new RegExp(`${binary}: the spec is not text .* is it a binary file\\?`));
    // the same through standard input, and the daemon's own check (a spec sent by another client)
    expectError(await tusk(['create', 'pipeline', '-f', '-'], { env: d.env, input: Buffer.from([0, 1, 2, 3]) }), /standard input: the spec is not text/);
    await expect(client.listRepos()).resolves.toBeDefined();
  });

  it('a nested CompleteMultipartUpload and a DTD are MalformedXML naming the problem, not 500', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'master.xml' }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'master.xml', Key: 'k' }));
    const deep = '<CompleteMultipartUpload>' + '<Part>'.repeat(50_000) + '</Part>'.repeat(50_000) + '</CompleteMultipartUpload>';
    const res = await signedFetch(d, { method: 'POST', path: '/master.xml/k', query: { uploadId: UploadId! }, body: deep, headers: { 'x-amz-content-sha256': sha256(deep) } });
    const err = await s3Error(res);
    expect([err.status, err.code]).toEqual([400, 'MalformedXML']);
    expect(err.message).toMatch(/nested deeper than 32 levels/);
    const dtd = '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e "x">]><Delete><Object><Key>&e;</Key></Object></Delete>';
    const del = await signedFetch(d, { method: 'POST', path: '/master.xml', query: { delete: '' }, body: dtd, headers: { 'x-amz-content-sha256': sha256(dtd), 'content-md5': '' } });
    expect(await s3Error(del)).toMatchObject({ status: 400, code: 'MalformedXML', message: expect.stringMatching(/DTD/) });
    expect(await healthz()).toBe(200);
  });

  it('an error naming a huge input still reaches the client, clipped, as the typed error', async () => {
    // the message names the ref twice and the trailer again: over HTTP/2's 64 KiB header limit, the call never ended
    await expect(client.inspectCommit('g@' + 'x'.repeat(20_000))).rejects.toMatchObject({ code: 'InvalidRef', message: expect.stringMatching(/^invalid reference "g@x+… \(\d+ more characters\)$/) });
    await expect(client.inspectFile('g@master:/' + 'é'.repeat(30_000))).rejects.toMatchObject({ code: 'FileNotFound' });
    expectError(await tusk(['inspect', 'file', `g@master:/big/0${'r'.repeat(60_000)}/x`], { env: d.env }), /^tusk: file "\/big\/0r+… \(\d+ more characters\)\n$/);
  });

  it('a key with %00 is refused for its NUL, not for "an empty, . or .. segment"', async () => {
    const res = await signedFetch(d, { method: 'PUT', path: '/master.xml/a%00b', body: 'x', headers: { 'x-amz-content-sha256': sha256('x') } });
    const err = await s3Error(res);
    expect([err.status, err.code]).toEqual([400, 'InvalidArgument']);
    expect(err.message).toMatch(/NUL character \(%00\)/);
  });

  it('a key too long for the request line gets 431 naming the limit, on a kept-alive connection, with or without a body, HEAD too', async () => {
    const path = '/master.xml/' + encodeURIComponent('é'.repeat(20_000));
    const body = '<Delete><Object><Key>a</Key></Object></Delete>';
    for (let round = 0; round < 2; round++) {
      // A normal request first, so the connection the next one goes over has carried an answer.
      expect((await signedFetch(d, { method: 'GET', path: '/master.xml', headers: { 'x-amz-content-sha256': sha256('') } })).status).toBe(200);
      for (const method of ['GET', 'HEAD', 'DELETE', 'PUT']) {
        const sent = method === 'GET' || method === 'HEAD' ? undefined : body;
        const res = await signedFetch(d, { method, path, body: sent, headers: { 'x-amz-content-sha256': sha256(sent ?? ''), ...(sent ? { 'content-length': String(sent.length) } : {}) } });
        expect([method, res.status]).toEqual([method, 431]);
        expect(res.headers.get('x-tusk-error')).toMatch(/over 16 KiB/);
      }
    }
  });

  it('a home whose metadata database cannot be opened names the path and the reason', async () => {
    const home = await mkdtemp(join(tmpdir(), 'tusk-badhome-'));
    await writeFile(join(home, 'meta'), 'not a directory');
    const bad = await startDaemon({ home, timeoutMs: 60_000 }).catch((err: Error) => err);
    expect(bad).toBeInstanceOf(Error);
    expect(String((bad as Error).message)).toMatch(new RegExp(`cannot open the metadata database ${join(home, 'meta')}: .+`));
    await rm(home, { recursive: true, force: true });
  });
});

describe('listings with control characters (point 7)', () => {
  const KEY = 'ctl/a\u0001b\u001fc\td.txt';

  it('are well-formed XML with encoding-type=url, and the SDK reads the key back either way', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'master.xml', Key: KEY, Body: 'x' }));
    const res = await signedFetch(d, { method: 'GET', path: '/master.xml', query: { 'list-type': '2', prefix: 'ctl/', 'encoding-type': 'url' } });
    const xml = await res.text();
    expect(res.status).toBe(200);
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml).toContain('<Key>ctl/a%01b%1Fc%09d.txt</Key>');
    const plain = await signedFetch(d, { method: 'GET', path: '/master.xml', query: { 'list-type': '2', prefix: 'ctl/' } });
    const text = await plain.text();
    expect(text).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/); // nothing raw that XML 1.0 forbids
    expect(text).toContain('<Key>ctl/a&#x1;b&#x1F;c&#x9;d.txt</Key>');
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'master.xml', Prefix: 'ctl/' }));
    expect(listed.Contents?.map((c) => c.Key)).toEqual([KEY]);
  });
});
