// The S3 gateway under concurrent writes, as `aws s3 sync` and `aws s3 cp`
// send them: many PutObjects to one branch at once (small ones share pack
// writes and a durable metadata write, yet each is its own commit holding its
// own bytes, chained in one history, and one bad PUT fails alone), and
// multipart uploads whose parts arrive out of order, are uploaded again, or
// are aborted.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListPartsCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { TuskClient } from '../src/client/index.js';
import type { DaemonHandle } from './helpers/daemon.js';
import { bytes, closeClients, commitCount, s3Error, sdkClient, sha256, signedFetch, startGatewayDaemon } from './helpers/s3-gateway.js';
import { contentHash } from './helpers/content-hash.js';

let d: DaemonHandle;
let s3: S3Client;
let client: TuskClient;

beforeAll(async () => {
  d = await startGatewayDaemon();
  s3 = sdkClient(d);
  client = new TuskClient(d.address);
  await s3.send(new CreateBucketCommand({ Bucket: 'master.conc' }));
});

afterAll(async () => {
  s3?.destroy();
  client?.close();
  closeClients();
  await d?.stop();
});

async function get(bucket: string, key: string): Promise<Buffer> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
}

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest();

describe('concurrent PutObjects to one branch', () => {
  it('each is its own commit holding its own bytes, in one chained history; a bad one fails alone', async () => {
    const before = await commitCount(d, 'conc');
    // Sizes on both sides of the 1 MiB line (shared pack writes below it, a stream of its own above),
    // two puts of equal bytes under different keys, and one put whose Content-MD5 is wrong.
    const objects = Array.from({ length: 24 }, (_, i) => ({
      key: `many/k${String(i).padStart(2, '0')}.bin`,
      data: i === 5 ? bytes(1500, 4) : bytes(i === 23 ? 1024 * 1024 + 7 : 200 + i * 997, i + 1),
    }));
    const bad = { key: 'many/bad.bin', data: bytes(3000, 99) };
    const answers = await Promise.all([
      ...objects.map(({ key, data }) => signedFetch(d, { method: 'PUT', path: `/master.conc/${key}`, body: data })),
      signedFetch(d, { method: 'PUT', path: `/master.conc/${bad.key}`, body: bad.data, headers: { 'content-md5': md5(Buffer.from('other')).toString('base64') } }),
    ]);
    const badAnswer = answers.pop()!;
    expect((await s3Error(badAnswer)).code).toBe('BadDigest');
    for (const [i, res] of answers.entries()) {
      expect(res.status).toBe(200);
      expect(res.headers.get('etag')).toBe(`"${md5(objects[i]!.data).toString('hex')}"`);
      expect(res.headers.get('x-tusk-sha256')).toBe(contentHash(objects[i]!.data)); // the content hash (k23 is over 1 MiB)
    }

    // One commit per put, each answer naming its own; together they are one chain of parents.
    const ids = answers.map((res) => res.headers.get('x-tusk-commit')!);
    expect(new Set(ids).size).toBe(objects.length);
    expect(await commitCount(d, 'conc')).toBe(before + objects.length);
    const commits = await client.listCommits('conc', 'master');
    const byId = new Map(commits.map((c) => [c.id, c]));
    const chain: string[] = [];
    for (let id = commits[0]!.id; id && chain.length < objects.length; id = byId.get(id)!.parentId) chain.push(id);
    expect(new Set(chain)).toEqual(new Set(ids));
    for (const id of ids) expect(byId.get(id)!.finished).not.toBe('');

    // The branch holds every object with its own bytes, and no trace of the refused one.
    for (const { key, data } of objects) expect(sha256(await get('master.conc', key))).toBe(sha256(data));
    expect((await s3.send(new HeadObjectCommand({ Bucket: 'master.conc', Key: bad.key })).catch((e: { $metadata: { httpStatusCode: number } }) => e.$metadata)).httpStatusCode).toBe(404);
    // Each put's own commit shows its object, as it was put.
    for (const [i, id] of ids.entries()) expect(sha256(await get(`${id}.conc`, objects[i]!.key))).toBe(sha256(objects[i]!.data));
    // The files count of each commit is its place in the chain: no commit lost or saw another's file twice.
    const counts = chain.map((id) => Number(byId.get(id)!.fileCount)).reverse();
    const first = counts[0]!;
    expect(counts).toEqual(counts.map((_, i) => first + i));
  });
});

describe('multipart uploads as parallel clients send them', () => {
  const part = (n: number, seed: number) => bytes(n, seed);

  it('parts uploaded out of order and at once, one of them uploaded again: complete joins the latest of each in part order', async () => {
    const key = 'mp/parallel.bin';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'master.conc', Key: key }));
    const p1 = part(5 * 1024 * 1024, 21);
    const p2old = part(5 * 1024 * 1024, 22);
    const p2 = part(5 * 1024 * 1024 + 3, 23);
    const p3 = part(777_777, 24);
    const upload = (PartNumber: number, Body: Buffer) => s3.send(new UploadPartCommand({ Bucket: 'master.conc', Key: key, UploadId, PartNumber, Body }));
    const [e3, , e1] = await Promise.all([upload(3, p3), upload(2, p2old), upload(1, p1)]);
    const e2 = await upload(2, p2); // uploaded again: replaces the first upload of part 2
    const listed = await s3.send(new ListPartsCommand({ Bucket: 'master.conc', Key: key, UploadId }));
    expect(listed.Parts!.map((p) => [p.PartNumber, p.Size, p.ETag])).toEqual([[1, p1.length, e1.ETag], [2, p2.length, e2.ETag], [3, p3.length, e3.ETag]]);
    const before = await commitCount(d, 'conc');
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'master.conc', Key: key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: e1.ETag! }, { PartNumber: 2, ETag: e2.ETag! }, { PartNumber: 3, ETag: e3.ETag! }] } }));
    const whole = Buffer.concat([p1, p2, p3]);
    expect(done.ETag).toBe(`"${createHash('md5').update(Buffer.concat([p1, p2, p3].map(md5))).digest('hex')}-3"`);
    expect((await s3.send(new HeadObjectCommand({ Bucket: 'master.conc', Key: key }))).ETag).toBe(`"${contentHash(whole)}"`);
    expect(sha256(await get('master.conc', key))).toBe(sha256(whole));
    expect(await commitCount(d, 'conc')).toBe(before + 1);
  });

  it('the ETag of a replaced part upload is refused on complete; abort drops the upload and writes nothing', async () => {
    const key = 'mp/aborted.bin';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'master.conc', Key: key }));
    const upload = (PartNumber: number, Body: Buffer) => s3.send(new UploadPartCommand({ Bucket: 'master.conc', Key: key, UploadId, PartNumber, Body }));
    const first = await upload(1, part(100_000, 31));
    await upload(1, part(100_000, 32));
    const before = await commitCount(d, 'conc');
    const complete = () => s3.send(new CompleteMultipartUploadCommand({ Bucket: 'master.conc', Key: key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: first.ETag! }] } }));
    await expect(complete()).rejects.toMatchObject({ name: 'InvalidPart' });
    await s3.send(new AbortMultipartUploadCommand({ Bucket: 'master.conc', Key: key, UploadId }));
    await expect(s3.send(new ListPartsCommand({ Bucket: 'master.conc', Key: key, UploadId }))).rejects.toMatchObject({ name: 'NoSuchUpload' });
    await expect(complete()).rejects.toMatchObject({ name: 'NoSuchUpload' });
    await expect(s3.send(new HeadObjectCommand({ Bucket: 'master.conc', Key: key }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    expect(await commitCount(d, 'conc')).toBe(before);
  });
});
