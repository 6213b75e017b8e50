import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Endpoint, type S3Endpoint } from './s3-endpoint.js';

let dir: string;
let endpoint: S3Endpoint;
const silent = { log() {} };
const client = (secret?: string) =>
  new S3Client({
    endpoint: endpoint.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    credentials: { accessKeyId: endpoint.accessKeyId, secretAccessKey: secret ?? endpoint.secretAccessKey },
  });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tusk-s3-endpoint-'));
  mkdirSync(join(dir, 'images', 'a'), { recursive: true });
  mkdirSync(join(dir, 'out'));
  writeFileSync(join(dir, 'images', 'a', '1.png'), 'one');
  writeFileSync(join(dir, 'images', 'b.png'), 'bee');
  endpoint = await startS3Endpoint({ pfs: dir, inputs: ['images'], out: true, log: silent });
});
afterAll(() => {
  endpoint?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the sidecar S3 endpoint', () => {
  it('lists and reads an input bucket, and writes what the code PUTs to out/', async () => {
    const s3 = client();
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'images' }));
    expect(listed.Contents?.map((c) => c.Key)).toEqual(['a/1.png', 'b.png']);
    const folders = await s3.send(new ListObjectsV2Command({ Bucket: 'images', Delimiter: '/' }));
    expect(folders.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['a/']);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'images', Key: 'a/1.png' }));
    expect(await got.Body!.transformToString()).toBe('one');
    await s3.send(new PutObjectCommand({ Bucket: 'out', Key: 'edges/1.png', Body: 'edge' }));
    expect(readFileSync(join(dir, 'out', 'edges', '1.png'), 'utf8')).toBe('edge');
  });

  it('refuses writes to inputs, unknown buckets, keys leaving the bucket and wrong signatures', async () => {
    const s3 = client();
    await expect(s3.send(new PutObjectCommand({ Bucket: 'images', Key: 'x', Body: 'x' }))).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(s3.send(new GetObjectCommand({ Bucket: 'secrets', Key: 'x' }))).rejects.toMatchObject({ name: 'NoSuchBucket' });
    await expect(s3.send(new GetObjectCommand({ Bucket: 'images', Key: 'nope.png' }))).rejects.toMatchObject({ name: 'NoSuchKey' });
    await expect(s3.send(new GetObjectCommand({ Bucket: 'images', Key: '../out/edges/1.png' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 400 } });
    await expect(client('wrong').send(new ListObjectsV2Command({ Bucket: 'images' }))).rejects.toMatchObject({ name: 'SignatureDoesNotMatch' });
  });

  it('takes multipart uploads into out/: the parts joined in order, nothing under out/ until Complete, Abort drops them', async () => {
    const s3 = client();
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'out', Key: 'big/data.bin' }));
    const a = Buffer.alloc(300_000, 'a');
    const b = Buffer.alloc(123, 'b');
    // Sent out of order, and part 1 twice: the second replaces the first.
    const p2 = await s3.send(new UploadPartCommand({ Bucket: 'out', Key: 'big/data.bin', UploadId, PartNumber: 2, Body: b }));
    await s3.send(new UploadPartCommand({ Bucket: 'out', Key: 'big/data.bin', UploadId, PartNumber: 1, Body: Buffer.from('stale') }));
    const p1 = await s3.send(new UploadPartCommand({ Bucket: 'out', Key: 'big/data.bin', UploadId, PartNumber: 1, Body: a }));
    expect(p1.ETag).toBe(`"${createHash('md5').update(a).digest('hex')}"`);
    expect(readdirSync(join(dir, 'out'))).not.toContain('big');
    await expect(s3.send(new CompleteMultipartUploadCommand({ Bucket: 'out', Key: 'big/data.bin', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p2.ETag }, { PartNumber: 2, ETag: p2.ETag }] } }))).rejects.toMatchObject({ name: 'InvalidPart' });
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'out', Key: 'big/data.bin', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.ETag }] } }));
    expect(done.ETag).toMatch(/^"[0-9a-f]{32}-2"$/);
    expect(readFileSync(join(dir, 'out', 'big', 'data.bin')).equals(Buffer.concat([a, b]))).toBe(true);
    expect(readdirSync(join(dir, 'out', 'big'))).toEqual(['data.bin']);
    await expect(s3.send(new UploadPartCommand({ Bucket: 'out', Key: 'big/data.bin', UploadId, PartNumber: 3, Body: b }))).rejects.toMatchObject({ name: 'NoSuchUpload' });

    const aborted = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'out', Key: 'gone.bin' }));
    await s3.send(new UploadPartCommand({ Bucket: 'out', Key: 'gone.bin', UploadId: aborted.UploadId, PartNumber: 1, Body: a }));
    await s3.send(new AbortMultipartUploadCommand({ Bucket: 'out', Key: 'gone.bin', UploadId: aborted.UploadId }));
    await expect(s3.send(new CompleteMultipartUploadCommand({ Bucket: 'out', Key: 'gone.bin', UploadId: aborted.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }] } }))).rejects.toMatchObject({ name: 'NoSuchUpload' });
    expect(readdirSync(join(dir, 'out'))).not.toContain('gone.bin');
    await expect(s3.send(new CreateMultipartUploadCommand({ Bucket: 'images', Key: 'x' }))).rejects.toMatchObject({ name: 'AccessDenied' });
  });
});
