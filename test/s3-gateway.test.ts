// The S3 gateway driven by @aws-sdk/client-s3 against a real tuskd: every
// operation, the SDK's default aws-chunked uploads, and the bad inputs a
// client can send, each answered with the S3 error code and status a client
// expects, with nothing written (commit counts checked through the CLI).
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
  type S3ServiceException,
} from '@aws-sdk/client-s3';
import type { DaemonHandle } from './helpers/daemon.js';
import { tusk } from './helpers/tusk-cli.js';
import { bytes, closeClients, commitCount, headCommit, endpointOf, presignedUrl, s3Error, sdkClient, sha256, signedFetch, startGatewayDaemon } from './helpers/s3-gateway.js';
import { contentHash } from './helpers/content-hash.js';

let d: DaemonHandle;
let s3: S3Client;

beforeAll(async () => {
  d = await startGatewayDaemon();
  s3 = sdkClient(d);
  await s3.send(new CreateBucketCommand({ Bucket: 'master.sdk' }));
});

afterAll(async () => {
  s3?.destroy();
  closeClients();
  await d?.stop();
});

async function body(out: { Body?: unknown }): Promise<Buffer> {
  return Buffer.from(await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
}

/** The S3 error the SDK raised: code and HTTP status. */
async function failure(p: Promise<unknown>): Promise<{ code: string; status: number | undefined }> {
  try {
    await p;
  } catch (err) {
    const e = err as S3ServiceException;
    return { code: e.name, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the request to fail');
}

async function put(key: string, data: string | Buffer, bucket = 'master.sdk') {
  return s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: data }));
}

describe('buckets', () => {
  it('CreateBucket makes repo and branch; ListBuckets lists every branch; DeleteBucket deletes the branch', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'master.buckets' }));
    await s3.send(new CreateBucketCommand({ Bucket: 'dev.buckets' }));
    const names = (await s3.send(new ListBucketsCommand({}))).Buckets!.map((b) => b.Name);
    expect(names).toEqual(expect.arrayContaining(['master.buckets', 'dev.buckets', 'master.sdk']));
    await s3.send(new HeadBucketCommand({ Bucket: 'dev.buckets' }));
    expect(await failure(s3.send(new CreateBucketCommand({ Bucket: 'dev.buckets' })))).toEqual({ code: 'BucketAlreadyOwnedByYou', status: 409 });
    await s3.send(new DeleteBucketCommand({ Bucket: 'dev.buckets' }));
    const branches = await tusk(['list', 'branch', 'buckets', '-o', 'json'], { env: d.env });
    expect((JSON.parse(branches.stdout) as { name: string }[]).map((b) => b.name)).toEqual(['master']);
    expect((await failure(s3.send(new HeadBucketCommand({ Bucket: 'dev.buckets' })))).status).toBe(404);
  });
});

describe('objects', () => {
  it('PutObject is one finished commit per put; GetObject and HeadObject read it back with the content hash as ETag', async () => {
    const before = await commitCount(d, 'sdk');
    const data = bytes(300_000, 7);
    await put('data/one.bin', data);
    await put('data/two.txt', 'two');
    expect(await commitCount(d, 'sdk')).toBe(before + 2);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'master.sdk', Key: 'data/one.bin' }));
    expect((await body(got)).equals(data)).toBe(true);
    expect(got.ETag).toBe(`"${sha256(data)}"`);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'master.sdk', Key: 'data/one.bin' }));
    expect(head.ContentLength).toBe(300_000);
    expect(head.ETag).toBe(`"${sha256(data)}"`);
    expect(head.LastModified).toBeInstanceOf(Date);
  });

  it('puts into a branch with an open commit write into it, visible once it is finished', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'master.opencommit' }));
    await put('first.txt', '1', 'master.opencommit');
    expect((await tusk(['start', 'commit', 'opencommit@master'], { env: d.env })).code).toBe(0);
    const before = await commitCount(d, 'opencommit');
    await put('a.txt', 'a', 'master.opencommit');
    await put('b.txt', 'b', 'master.opencommit');
    expect(await commitCount(d, 'opencommit')).toBe(before);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'master.opencommit' }));
    expect(listed.Contents!.map((c) => c.Key)).toEqual(['first.txt']); // readers see the last finished commit
    expect((await tusk(['finish', 'commit', 'opencommit@master'], { env: d.env })).code).toBe(0);
    const after = await s3.send(new ListObjectsV2Command({ Bucket: 'master.opencommit' }));
    expect(after.Contents!.map((c) => c.Key)).toEqual(['a.txt', 'b.txt', 'first.txt']);
  });

  it('ListObjectsV2 and V1: prefix, delimiter, pages, start-after, url encoding', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'master.listing' }));
    const keys = ['a/1.txt', 'a/2.txt', 'a/b/3.txt', 'a-c.txt', 'b.txt', 'sp ace/x+y.txt', 'z/%25.txt'];
    const up = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'master.listing', Key: 'ignored-upload' }));
    for (const k of keys) await put(k, k, 'master.listing');
    const v2 = await s3.send(new ListObjectsV2Command({ Bucket: 'master.listing', Delimiter: '/' }));
    expect(v2.Contents!.map((c) => c.Key)).toEqual(['a-c.txt', 'b.txt']);
    expect(v2.CommonPrefixes!.map((p) => p.Prefix)).toEqual(['a/', 'sp ace/', 'z/']);
    expect(v2.KeyCount).toBe(5);
    const inA = await s3.send(new ListObjectsV2Command({ Bucket: 'master.listing', Prefix: 'a/', Delimiter: '/' }));
    expect(inA.Contents!.map((c) => c.Key)).toEqual(['a/1.txt', 'a/2.txt']);
    expect(inA.CommonPrefixes!.map((p) => p.Prefix)).toEqual(['a/b/']);
    expect(inA.Contents![0]!.Size).toBe(7);
    // Pages of 2, with and without a delimiter: every key exactly once, in order.
    for (const delimiter of [undefined, '/']) {
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: 'master.listing', MaxKeys: 2, ContinuationToken: token, Delimiter: delimiter }));
        seen.push(...(page.Contents ?? []).map((c) => c.Key!), ...(page.CommonPrefixes ?? []).map((p) => p.Prefix!));
        expect(page.KeyCount).toBeLessThanOrEqual(2);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
        pages++;
      } while (token);
      expect(seen.sort()).toEqual(delimiter ? ['a-c.txt', 'a/', 'b.txt', 'sp ace/', 'z/'] : [...keys].sort());
      expect(pages).toBe(delimiter ? 3 : 4);
    }
    const after = await s3.send(new ListObjectsV2Command({ Bucket: 'master.listing', StartAfter: 'a/b/3.txt' }));
    expect(after.Contents!.map((c) => c.Key)).toEqual(['b.txt', 'sp ace/x+y.txt', 'z/%25.txt']);
    const v1 = await s3.send(new ListObjectsCommand({ Bucket: 'master.listing', Marker: 'a/2.txt', MaxKeys: 2 }));
    expect(v1.Contents!.map((c) => c.Key)).toEqual(['a/b/3.txt', 'b.txt']);
    expect(v1.IsTruncated).toBe(true);
    const raw = await signedFetch(d, { method: 'GET', path: '/master.listing', query: { 'list-type': '2', prefix: 'sp', 'encoding-type': 'url' } });
    expect(await raw.text()).toContain('<Key>sp%20ace/x%2By.txt</Key>');
    await s3.send(new AbortMultipartUploadCommand({ Bucket: 'master.listing', Key: 'ignored-upload', UploadId: up.UploadId }));
  });

  it('GetObject ranges (incl. suffix), 416 past the end, and conditional headers', async () => {
    const data = bytes(10_000, 3);
    await put('ranges.bin', data);
    const get = (Range?: string, extra: Record<string, unknown> = {}) => s3.send(new GetObjectCommand({ Bucket: 'master.sdk', Key: 'ranges.bin', Range, ...extra }));
    const mid = await get('bytes=100-199');
    expect(mid.ContentRange).toBe('bytes 100-199/10000');
    expect((await body(mid)).equals(data.subarray(100, 200))).toBe(true);
    expect((await body(await get('bytes=-50'))).equals(data.subarray(9950))).toBe(true);
    expect((await body(await get('bytes=9990-'))).equals(data.subarray(9990))).toBe(true);
    expect((await body(await get('bytes=9990-20000'))).equals(data.subarray(9990))).toBe(true);
    expect(await failure(get('bytes=10000-10010'))).toEqual({ code: 'InvalidRange', status: 416 });
    const etag = `"${sha256(data)}"`;
    expect((await body(await get(undefined, { IfMatch: etag }))).length).toBe(10_000);
    expect((await failure(get(undefined, { IfMatch: '"nope"' }))).status).toBe(412);
    expect((await failure(get(undefined, { IfNoneMatch: etag }))).status).toBe(304);
    expect((await failure(get(undefined, { IfModifiedSince: new Date(Date.now() + 3600_000) }))).status).toBe(304);
    expect((await failure(get(undefined, { IfUnmodifiedSince: new Date(Date.now() - 3600_000) }))).status).toBe(412);
    expect((await body(await get(undefined, { IfModifiedSince: new Date(Date.now() - 3600_000) }))).length).toBe(10_000);
  });

  it('conditional PutObject: If-None-Match * writes only a new key, If-Match only over that ETag; racing writers, one wins', async () => {
    const before = await commitCount(d, 'sdk');
    await s3.send(new PutObjectCommand({ Bucket: 'master.sdk', Key: 'cond/lock', Body: 'first', IfNoneMatch: '*' }));
    expect(await failure(s3.send(new PutObjectCommand({ Bucket: 'master.sdk', Key: 'cond/lock', Body: 'second', IfNoneMatch: '*' })))).toEqual({ code: 'PreconditionFailed', status: 412 });
    // A large body (streamed, not gathered in memory) is refused the same way.
    expect(await failure(s3.send(new PutObjectCommand({ Bucket: 'master.sdk', Key: 'cond/lock', Body: bytes(3 * 1024 * 1024, 7), IfNoneMatch: '*' })))).toEqual({ code: 'PreconditionFailed', status: 412 });
    const etag = (await s3.send(new HeadObjectCommand({ Bucket: 'master.sdk', Key: 'cond/lock' }))).ETag!;
    expect(await failure(s3.send(new PutObjectCommand({ Bucket: 'master.sdk', Key: 'cond/lock', Body: 'third', IfMatch: '"0000"' })))).toEqual({ code: 'PreconditionFailed', status: 412 });
    expect(await failure(s3.send(new PutObjectCommand({ Bucket: 'master.sdk', Key: 'cond/none', Body: 'x', IfMatch: etag })))).toEqual({ code: 'NoSuchKey', status: 404 });
    await s3.send(new PutObjectCommand({ Bucket: 'master.sdk', Key: 'cond/lock', Body: 'fourth', IfMatch: etag }));
    expect((await body(await s3.send(new GetObjectCommand({ Bucket: 'master.sdk', Key: 'cond/lock' })))).toString()).toBe('fourth');
    expect(await commitCount(d, 'sdk')).toBe(before + 2); // nothing refused was committed
    // Ten writers racing for one new key (their commits grouped together): exactly one wins.
    const race = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => s3.send(new PutObjectCommand({ Bucket: 'master.sdk', Key: 'cond/race', Body: `w${i}`, IfNoneMatch: '*' }))));
    expect(race.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(race.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.name)).toEqual(Array(9).fill('PreconditionFailed'));
  });

  it('DeleteObject is one commit; DeleteObjects deletes a batch in one commit; missing keys count as deleted', async () => {
    for (const k of ['del/a', 'del/b', 'del/c', 'del/d']) await put(k, k);
    let before = await commitCount(d, 'sdk');
    await s3.send(new DeleteObjectCommand({ Bucket: 'master.sdk', Key: 'del/a' }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'master.sdk', Key: 'del/never-was' }));
    expect(await commitCount(d, 'sdk')).toBe(before + 1);
    before = before + 1;
    const out = await s3.send(new DeleteObjectsCommand({ Bucket: 'master.sdk', Delete: { Objects: [{ Key: 'del/b' }, { Key: 'del/c' }, { Key: 'del/missing' }, { Key: 'bad/../key' }] } }));
    expect(out.Deleted!.map((x) => x.Key).sort()).toEqual(['del/b', 'del/c', 'del/missing']);
    expect(out.Errors!.map((e) => [e.Key, e.Code])).toEqual([['bad/../key', 'InvalidArgument']]);
    expect(await commitCount(d, 'sdk')).toBe(before + 1);
    const quiet = await s3.send(new DeleteObjectsCommand({ Bucket: 'master.sdk', Delete: { Quiet: true, Objects: [{ Key: 'del/d' }] } }));
    expect(quiet.Deleted ?? []).toEqual([]);
    const left = await s3.send(new ListObjectsV2Command({ Bucket: 'master.sdk', Prefix: 'del/' }));
    expect(left.KeyCount).toBe(0);
  });

  it('CopyObject copies from another branch bucket and from a commit bucket', async () => {
    await put('copy/src.bin', bytes(50_000, 9));
    await s3.send(new CreateBucketCommand({ Bucket: 'master.copydst' }));
    const copied = await s3.send(new CopyObjectCommand({ Bucket: 'master.copydst', Key: 'in/dst.bin', CopySource: 'master.sdk/copy/src.bin' }));
    expect(copied.CopyObjectResult!.ETag).toBe(`"${sha256(bytes(50_000, 9))}"`);
    expect((await body(await s3.send(new GetObjectCommand({ Bucket: 'master.copydst', Key: 'in/dst.bin' })))).equals(bytes(50_000, 9))).toBe(true);
    const head = await headCommit(d, 'sdk');
    await put('copy/src.bin', 'changed later');
    await s3.send(new CopyObjectCommand({ Bucket: 'master.copydst', Key: 'old.bin', CopySource: `/${head}.sdk/copy/${encodeURIComponent('src.bin')}` }));
    expect((await body(await s3.send(new GetObjectCommand({ Bucket: 'master.copydst', Key: 'old.bin' })))).equals(bytes(50_000, 9))).toBe(true);
    expect((await body(await s3.send(new GetObjectCommand({ Bucket: `${head}.sdk`, Key: 'copy/src.bin' })))).length).toBe(50_000);
  });

  it('CopyObject: conditional on its destination; a copy onto itself that changes nothing is refused', async () => {
    await put('copycond/src.txt', 'source');
    await put('copycond/dst.txt', 'there');
    const before = await commitCount(d, 'sdk');
    const copy = (extra: Record<string, unknown>, Key = 'copycond/dst.txt') => s3.send(new CopyObjectCommand({ Bucket: 'master.sdk', Key, CopySource: 'master.sdk/copycond/src.txt', ...extra }));
    expect(await failure(copy({ IfNoneMatch: '*' }))).toEqual({ code: 'PreconditionFailed', status: 412 });
    expect(await failure(copy({ IfMatch: '"0000"' }))).toEqual({ code: 'PreconditionFailed', status: 412 });
    expect(await failure(s3.send(new CopyObjectCommand({ Bucket: 'master.sdk', Key: 'copycond/src.txt', CopySource: 'master.sdk/copycond/src.txt' })))).toEqual({ code: 'InvalidRequest', status: 400 });
    expect(await commitCount(d, 'sdk')).toBe(before);
    await copy({ IfNoneMatch: '*' }, 'copycond/new.txt');
    expect((await body(await s3.send(new GetObjectCommand({ Bucket: 'master.sdk', Key: 'copycond/dst.txt' })))).toString()).toBe('there');
    expect((await body(await s3.send(new GetObjectCommand({ Bucket: 'master.sdk', Key: 'copycond/new.txt' })))).toString()).toBe('source');
  });

  it('a directory marker (key ending in /) is accepted and ignored', async () => {
    const before = await commitCount(d, 'sdk');
    await put('marker/', '');
    expect(await commitCount(d, 'sdk')).toBe(before);
    expect((await s3.send(new ListObjectsV2Command({ Bucket: 'master.sdk', Prefix: 'marker' }))).KeyCount).toBe(0);
  });
});

describe('metrics', () => {
  it('/metrics counts S3 requests by operation, not by HTTP method', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'master.sdk', Key: 'metrics/a.txt', Body: 'a' }));
    await s3.send(new ListObjectsV2Command({ Bucket: 'master.sdk', Prefix: 'metrics/' }));
    await s3.send(new GetObjectCommand({ Bucket: 'master.sdk', Key: 'metrics/a.txt' }));
    expect((await failure(s3.send(new GetObjectCommand({ Bucket: 'master.sdk', Key: 'metrics/none' })))).status).toBe(404);
    const text = await (await fetch(`http://127.0.0.1:${d.httpPort}/metrics`)).text();
    const count = (op: string, code: number) => Number(new RegExp(`^tusk_s3_requests_total\\{operation="${op}",code="${code}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    for (const [op, code] of [['PutObject', 200], ['ListObjectsV2', 200], ['GetObject', 200], ['GetObject', 404], ['CreateBucket', 200]] as const) expect(count(op, code), `${op} ${code}`).toBeGreaterThan(0);
    expect(text).not.toMatch(/tusk_s3_requests_total\{method=/);
    expect(text).toMatch(/^tusk_s3_request_duration_seconds_count\{operation="GetObject",code="200"\} \d+$/m);
  });
});

const md5Of = (b: Uint8Array) => createHash('md5').update(b).digest('base64');

describe('multipart uploads', () => {
  const part1 = bytes(5 * 1024 * 1024, 11);
  const part2 = bytes(5 * 1024 * 1024, 12);
  const part3 = bytes(123_457, 13);

  async function start(key: string) {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'master.sdk', Key: key }));
    const etags: string[] = [];
    for (const [i, data] of [part1, part2, part3].entries()) {
      etags.push((await s3.send(new UploadPartCommand({ Bucket: 'master.sdk', Key: key, UploadId, PartNumber: i + 1, Body: data }))).ETag!);
    }
    return { UploadId: UploadId!, etags };
  }

  it('create, upload parts, list parts and uploads, complete: one commit holding the joined bytes', async () => {
    const { UploadId, etags } = await start('mp/joined.bin');
    const parts = await s3.send(new ListPartsCommand({ Bucket: 'master.sdk', Key: 'mp/joined.bin', UploadId }));
    expect(parts.Parts!.map((p) => [p.PartNumber, p.Size, p.ETag])).toEqual([[1, part1.length, etags[0]], [2, part2.length, etags[1]], [3, part3.length, etags[2]]]);
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'master.sdk' }));
    expect(uploads.Uploads!.map((u) => [u.Key, u.UploadId])).toContainEqual(['mp/joined.bin', UploadId]);
    const before = await commitCount(d, 'sdk');
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'master.sdk', Key: 'mp/joined.bin', UploadId, MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) } }));
    const whole = Buffer.concat([part1, part2, part3]);
    // Writes answer with S3's ETags (part MD5s; the MD5 of those, "-3"), reads with the content hash.
    expect(etags[0]).toBe(`"${createHash('md5').update(part1).digest('hex')}"`);
    const partMd5s = Buffer.concat([part1, part2, part3].map((p) => createHash('md5').update(p).digest()));
    expect(done.ETag).toBe(`"${createHash('md5').update(partMd5s).digest('hex')}-3"`);
    // The content hash of 1 MiB or more is made from the chunks the bytes are cut into on their own, not the parts' chunks.
    expect((await s3.send(new HeadObjectCommand({ Bucket: 'master.sdk', Key: 'mp/joined.bin' }))).ETag).toBe(`"${contentHash(whole)}"`);
    expect(await commitCount(d, 'sdk')).toBe(before + 1);
    const got = await body(await s3.send(new GetObjectCommand({ Bucket: 'master.sdk', Key: 'mp/joined.bin' })));
    expect(got.length).toBe(whole.length);
    expect(sha256(got)).toBe(sha256(whole));
    const mid = await body(await s3.send(new GetObjectCommand({ Bucket: 'master.sdk', Key: 'mp/joined.bin', Range: `bytes=${part1.length - 10}-${part1.length + 9}` })));
    expect(mid.equals(whole.subarray(part1.length - 10, part1.length + 10))).toBe(true);
    expect((await failure(s3.send(new ListPartsCommand({ Bucket: 'master.sdk', Key: 'mp/joined.bin', UploadId })))).code).toBe('NoSuchUpload');
  });

  it('a conditional CompleteMultipartUpload (If-None-Match *) does not replace an object that exists', async () => {
    await put('mp/kept.bin', 'kept');
    const { UploadId, etags } = await start('mp/kept.bin');
    const MultipartUpload = { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) };
    // Refused before the answer starts, so with its own status (not an <Error> inside a 200).
    expect(await failure(s3.send(new CompleteMultipartUploadCommand({ Bucket: 'master.sdk', Key: 'mp/kept.bin', UploadId, MultipartUpload, IfNoneMatch: '*' })))).toEqual({ code: 'PreconditionFailed', status: 412 });
    expect((await body(await s3.send(new GetObjectCommand({ Bucket: 'master.sdk', Key: 'mp/kept.bin' })))).toString()).toBe('kept');
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'master.sdk', Key: 'mp/fresh.bin', UploadId: (await start('mp/fresh.bin')).UploadId, MultipartUpload, IfNoneMatch: '*' }));
    await s3.send(new AbortMultipartUploadCommand({ Bucket: 'master.sdk', Key: 'mp/kept.bin', UploadId }));
  });

  it('UploadPartCopy makes parts from ranges of a stored file, by reference', async () => {
    const whole = Buffer.concat([part1, part2, part3]);
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'master.sdk', Key: 'mp/copied.bin' }));
    const cut = part1.length + 1000;
    const ranges = [`bytes=0-${cut - 1}`, `bytes=${cut}-${whole.length - 1}`];
    const Parts = [];
    for (const [i, CopySourceRange] of ranges.entries()) {
      const out = await s3.send(new UploadPartCopyCommand({ Bucket: 'master.sdk', Key: 'mp/copied.bin', UploadId, PartNumber: i + 1, CopySource: 'master.sdk/mp/joined.bin', CopySourceRange }));
      Parts.push({ PartNumber: i + 1, ETag: out.CopyPartResult!.ETag });
    }
    expect(Parts[0]!.ETag).toBe(`"${contentHash(whole.subarray(0, cut))}"`);
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'master.sdk', Key: 'mp/copied.bin', UploadId, MultipartUpload: { Parts } }));
    const got = await body(await s3.send(new GetObjectCommand({ Bucket: 'master.sdk', Key: 'mp/copied.bin' })));
    expect(sha256(got)).toBe(sha256(whole));
  });

  it('refuses parts out of order, missing parts and wrong ETags, writing nothing; abort forgets the upload', async () => {
    const { UploadId, etags } = await start('mp/refused.bin');
    const before = await commitCount(d, 'sdk');
    const complete = (Parts: { ETag: string; PartNumber: number }[]) => s3.send(new CompleteMultipartUploadCommand({ Bucket: 'master.sdk', Key: 'mp/refused.bin', UploadId, MultipartUpload: { Parts } }));
    expect(await failure(complete([{ ETag: etags[1]!, PartNumber: 2 }, { ETag: etags[0]!, PartNumber: 1 }]))).toEqual({ code: 'InvalidPartOrder', status: 400 });
    expect(await failure(complete([{ ETag: etags[0]!, PartNumber: 1 }, { ETag: etags[0]!, PartNumber: 4 }]))).toEqual({ code: 'InvalidPart', status: 400 });
    expect(await failure(complete([{ ETag: etags[0]!, PartNumber: 1 }, { ETag: etags[0]!, PartNumber: 2 }]))).toEqual({ code: 'InvalidPart', status: 400 });
    expect(await commitCount(d, 'sdk')).toBe(before);
    await s3.send(new AbortMultipartUploadCommand({ Bucket: 'master.sdk', Key: 'mp/refused.bin', UploadId }));
    expect(await failure(complete([{ ETag: etags[0]!, PartNumber: 1 }]))).toEqual({ code: 'NoSuchUpload', status: 404 });
    expect(await failure(s3.send(new HeadObjectCommand({ Bucket: 'master.sdk', Key: 'mp/refused.bin' })))).toMatchObject({ status: 404 });
    expect(await commitCount(d, 'sdk')).toBe(before);
  });
});

describe('the SDK with its default settings (aws-chunked bodies with a CRC32 trailer)', () => {
  it('stores exactly the bytes sent, for PutObject from a stream and for UploadPart', async () => {
    const client = sdkClient(d, { defaults: true });
    const seen: Record<string, string>[] = [];
    client.middlewareStack.add((next) => async (args) => {
      seen.push({ ...(args.request as { headers: Record<string, string> }).headers });
      return next(args);
    }, { step: 'deserialize', name: 'seeHeaders' });
    try {
      const data = bytes(700_000, 21);
      await client.send(new PutObjectCommand({ Bucket: 'master.sdk', Key: 'chunked/stream.bin', Body: Readable.from([data.subarray(0, 300_000), data.subarray(300_000)]), ContentLength: data.length }));
      expect(seen.at(-1)!['content-encoding']).toContain('aws-chunked');
      expect(seen.at(-1)!['x-amz-trailer']).toBeDefined();
      const got = await body(await s3.send(new GetObjectCommand({ Bucket: 'master.sdk', Key: 'chunked/stream.bin' })));
      expect(got.equals(data)).toBe(true);
      const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: 'master.sdk', Key: 'chunked/mp.bin' }));
      const part = await client.send(new UploadPartCommand({ Bucket: 'master.sdk', Key: 'chunked/mp.bin', UploadId, PartNumber: 1, Body: Readable.from([data]), ContentLength: data.length }));
      await client.send(new CompleteMultipartUploadCommand({ Bucket: 'master.sdk', Key: 'chunked/mp.bin', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
      expect((await body(await s3.send(new GetObjectCommand({ Bucket: 'master.sdk', Key: 'chunked/mp.bin' })))).equals(data)).toBe(true);
    } finally {
      client.destroy();
    }
  });
});

describe('bad input', () => {
  it('unknown bucket and key, malformed bucket names, keys with .. segments, writes to a commit bucket', async () => {
    const before = await commitCount(d, 'sdk');
    expect(await failure(s3.send(new GetObjectCommand({ Bucket: 'master.nosuchrepo', Key: 'x' })))).toEqual({ code: 'NoSuchBucket', status: 404 });
    expect(await failure(s3.send(new ListObjectsV2Command({ Bucket: 'nobranch.sdk' })))).toEqual({ code: 'NoSuchBucket', status: 404 });
    // A repo made by `tusk create repo` has no branch yet: the refusal says how to make the bucket.
    for (const req of [{ method: 'GET', path: '/nobranch.sdk', query: { 'list-type': '2' } }, { method: 'PUT', path: '/nobranch.sdk/x.txt', body: 'x', headers: { 'x-amz-content-sha256': sha256('x') } }]) {
      expect(await s3Error(await signedFetch(d, req))).toMatchObject({ status: 404, code: 'NoSuchBucket', message: expect.stringMatching(/nobranch.+ not found in repo .+sdk.+: create the bucket first \(aws s3 mb s3:\/\/nobranch\.sdk, or tusk create branch sdk@nobranch\)$/) });
    }
    expect(await failure(s3.send(new GetObjectCommand({ Bucket: 'master.sdk', Key: 'no/such/key' })))).toEqual({ code: 'NoSuchKey', status: 404 });
    expect(await failure(s3.send(new ListObjectsV2Command({ Bucket: 'nodots' })))).toEqual({ code: 'InvalidBucketName', status: 400 });
    expect(await failure(put('x', 'x', 'bad$branch.sdk'))).toEqual({ code: 'InvalidBucketName', status: 400 });
    const raw = await signedFetch(d, { method: 'PUT', path: '/master.sdk/a/../b.txt', body: 'x', headers: { 'x-amz-content-sha256': sha256('x') } });
    expect(await s3Error(raw)).toMatchObject({ status: 400, code: 'InvalidArgument' });
    const empty = await signedFetch(d, { method: 'PUT', path: '/master.sdk/a//b.txt', body: 'x', headers: { 'x-amz-content-sha256': sha256('x') } });
    expect(await s3Error(empty)).toMatchObject({ status: 400, code: 'InvalidArgument' });
    const head = await headCommit(d, 'sdk');
    expect(await failure(put('x.txt', 'x', `${head}.sdk`))).toEqual({ code: 'AccessDenied', status: 403 });
    expect(await failure(s3.send(new DeleteObjectCommand({ Bucket: `${head}.sdk`, Key: 'data/two.txt' })))).toEqual({ code: 'AccessDenied', status: 403 });
    expect(await failure(s3.send(new CreateMultipartUploadCommand({ Bucket: `${head}.sdk`, Key: 'x' })))).toEqual({ code: 'AccessDenied', status: 403 });
    expect(await commitCount(d, 'sdk')).toBe(before);
  });

  it('refuses bad signatures, unknown keys, stale clocks, a lying x-amz-content-sha256, anonymous and SigV2 requests', async () => {
    let before = await commitCount(d, 'sdk');
    expect(await failure(sdkClient(d, { secret: 'wrong' }).send(new PutObjectCommand({ Bucket: 'master.sdk', Key: 'sig.txt', Body: 'x' })))).toEqual({ code: 'SignatureDoesNotMatch', status: 403 });
    expect(await failure(sdkClient(d, { keyId: 'AKIDUNKNOWN' }).send(new ListObjectsV2Command({ Bucket: 'master.sdk' })))).toEqual({ code: 'InvalidAccessKeyId', status: 403 });
    const stale = await signedFetch(d, { method: 'PUT', path: '/master.sdk/stale.txt', body: 'x', headers: { 'x-amz-content-sha256': sha256('x') } }, { signingDate: new Date(Date.now() - 3600_000) });
    expect(await s3Error(stale)).toMatchObject({ status: 403, code: 'RequestTimeTooSkewed' });
    const lying = await signedFetch(d, { method: 'PUT', path: '/master.sdk/lying.txt', body: 'the real body', headers: { 'x-amz-content-sha256': sha256('another body') } });
    expect(await s3Error(lying)).toMatchObject({ status: 400, code: 'XAmzContentSHA256Mismatch' });
    // From 1 MiB on the content hash is not the sha256 of the bytes: those are checked as they stream in, a PUT's and a part's.
    for (const size of [1024 * 1024, 1024 * 1024 + 1]) {
      const big = bytes(size, 31);
      const lie = await signedFetch(d, { method: 'PUT', path: `/master.sdk/lying-${size}.bin`, body: big, headers: { 'x-amz-content-sha256': sha256(bytes(size, 32)) } });
      expect(await s3Error(lie)).toMatchObject({ status: 400, code: 'XAmzContentSHA256Mismatch' });
    }
    // A large PUT's MD5 is its ETag, and is checked against a Content-MD5, with or without a signed sha256.
    const large = bytes(3 * 1024 * 1024 + 5, 36);
    for (const sha of [sha256(large), 'UNSIGNED-PAYLOAD']) {
      const wrong = await signedFetch(d, { method: 'PUT', path: '/master.sdk/lying-md5.bin', body: large, headers: { 'x-amz-content-sha256': sha, 'content-md5': md5Of(bytes(10, 37)) } });
      expect(await s3Error(wrong)).toMatchObject({ status: 400, code: 'BadDigest' });
    }
    const right = await signedFetch(d, { method: 'PUT', path: '/master.sdk/honest-large.bin', body: large, headers: { 'x-amz-content-sha256': sha256(large), 'content-md5': md5Of(large) } });
    expect(right.headers.get('etag')).toBe(`"${createHash('md5').update(large).digest('hex')}"`);
    before += 1;
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'master.sdk', Key: 'lying-part.bin' }));
    const part = bytes(5 * 1024 * 1024, 33);
    const lyingPart = await signedFetch(d, { method: 'PUT', path: '/master.sdk/lying-part.bin', query: { partNumber: '1', uploadId: UploadId! }, body: part, headers: { 'x-amz-content-sha256': sha256(bytes(5 * 1024 * 1024, 34)) } });
    expect(await s3Error(lyingPart)).toMatchObject({ status: 400, code: 'XAmzContentSHA256Mismatch' });
    const honestPart = await signedFetch(d, { method: 'PUT', path: '/master.sdk/lying-part.bin', query: { partNumber: '1', uploadId: UploadId! }, body: part, headers: { 'x-amz-content-sha256': sha256(part) } });
    expect(honestPart.status).toBe(200);
    // A part's Content-MD5 is checked too (its MD5 is its ETag), with or without a signed sha256.
    const wrongMd5 = md5Of(bytes(5 * 1024 * 1024, 35));
    for (const sha of [sha256(part), 'UNSIGNED-PAYLOAD']) {
      const lyingMd5 = await signedFetch(d, { method: 'PUT', path: '/master.sdk/lying-part.bin', query: { partNumber: '2', uploadId: UploadId! }, body: part, headers: { 'x-amz-content-sha256': sha, 'content-md5': wrongMd5 } });
      expect(await s3Error(lyingMd5)).toMatchObject({ status: 400, code: 'BadDigest' });
    }
    const rightMd5 = await signedFetch(d, { method: 'PUT', path: '/master.sdk/lying-part.bin', query: { partNumber: '2', uploadId: UploadId! }, body: part, headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'content-md5': md5Of(part) } });
    expect(rightMd5.headers.get('etag')).toBe(`"${createHash('md5').update(part).digest('hex')}"`);
    await s3.send(new AbortMultipartUploadCommand({ Bucket: 'master.sdk', Key: 'lying-part.bin', UploadId }));
    const anonymous = await fetch(`${endpointOf(d)}/master.sdk/anon.txt`, { method: 'PUT', body: 'x' });
    expect(await s3Error(anonymous)).toMatchObject({ status: 403, code: 'AccessDenied' });
    const v2 = await fetch(`${endpointOf(d)}/master.sdk/v2.txt`, { method: 'PUT', body: 'x', headers: { authorization: 'AWS AKIDTUSKGATEWAYTEST:c2lnbmF0dXJl', date: new Date().toUTCString() } });
    expect(await s3Error(v2)).toMatchObject({ status: 400, code: 'InvalidRequest' });
    const md5 = await signedFetch(d, { method: 'PUT', path: '/master.sdk/md5.txt', body: 'x', headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'content-md5': 'AAAAAAAAAAAAAAAAAAAAAA==' } });
    expect(await s3Error(md5)).toMatchObject({ status: 400, code: 'BadDigest' });
    expect(await commitCount(d, 'sdk')).toBe(before);
    expect((await s3.send(new ListObjectsV2Command({ Bucket: 'master.sdk', Prefix: 'sig' }))).KeyCount).toBe(0);
  });

  it('presigned URLs work until they expire', async () => {
    await put('presigned.txt', 'presigned content');
    const url = await presignedUrl(d, { method: 'GET', path: '/master.sdk/presigned.txt' }, 300);
    const ok = await fetch(url);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('presigned content');
    const expired = await presignedUrl(d, { method: 'GET', path: '/master.sdk/presigned.txt' }, 60, new Date(Date.now() - 120_000));
    expect(await s3Error(await fetch(expired))).toEqual({ status: 403, code: 'AccessDenied', message: 'Request has expired' });
    const forged = url.replace(/X-Amz-Signature=[0-9a-f]{4}/, 'X-Amz-Signature=0000');
    expect(await s3Error(await fetch(forged))).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    const before = await commitCount(d, 'sdk');
    const putUrl = await presignedUrl(d, { method: 'PUT', path: '/master.sdk/presigned-put.txt' }, 300);
    expect((await fetch(putUrl, { method: 'PUT', body: 'via presigned put' })).status).toBe(200);
    expect(await commitCount(d, 'sdk')).toBe(before + 1);
  });

  it('unknown operations are NotImplemented, other methods MethodNotAllowed', async () => {
    expect(await s3Error(await signedFetch(d, { method: 'GET', path: '/master.sdk', query: { acl: '' } }))).toMatchObject({ status: 501, code: 'NotImplemented' });
    expect(await s3Error(await signedFetch(d, { method: 'PATCH', path: '/master.sdk/x' }))).toMatchObject({ status: 405, code: 'MethodNotAllowed' });
  });

  it('a client that sends a whole refused upload before reading (no Expect: 100-continue) hears the error, on a connection it can keep', async () => {
    // 12 MiB does not fit in the socket buffers: without the drain, the gateway answered after reading a part and
    // closed the socket under the rest, so the client's writes failed and it never read the 403.
    const size = 12 * 1024 * 1024;
    const socket = connect(d.s3Port, '127.0.0.1');
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const sent = await new Promise<number>((resolve, reject) => {
      socket.once('error', reject);
      socket.write(`PUT /master.sdk/refused.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${size}\r\n\r\n`);
      const piece = Buffer.alloc(64 * 1024, 7);
      let n = 0;
      const pump = (): void => {
        while (n < size) {
          n += piece.length;
          if (!socket.write(piece)) return void socket.once('drain', pump);
        }
        socket.write('', () => resolve(n)); // every byte handed to the kernel without an error
      };
      pump();
    });
    expect(sent).toBe(size);
    // Only now read: the answer, then the answer to a second request on the same connection.
    let text = '';
    let wake = (): void => undefined;
    socket.on('data', (b: Buffer) => ((text += b.toString()), wake()));
    const answers = (count: number) => new Promise<string>((resolve) => {
      wake = () => void (text.split('</Error>').length > count && resolve(text));
      wake();
    });
    const first = await answers(1);
    expect(first).toMatch(/^HTTP\/1\.1 403 /);
    expect(first).toContain('<Code>AccessDenied</Code>');
    expect(first).not.toMatch(/connection: close/i);
    socket.write('GET /master.sdk/refused.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    expect((await answers(2)).match(/HTTP\/1\.1 403 /g)).toHaveLength(2);
    await closed;
  });

  it('a bucket is unversioned to GetBucketVersioning; PutBucketVersioning is NotImplemented and creates nothing', async () => {
    const versioning = await s3.send(new GetBucketVersioningCommand({ Bucket: 'master.sdk' }));
    expect([versioning.$metadata.httpStatusCode, versioning.Status]).toEqual([200, undefined]);
    expect(await failure(s3.send(new GetBucketVersioningCommand({ Bucket: 'master.nosuchrepo' })))).toEqual({ code: 'NoSuchBucket', status: 404 });
    const put = (Bucket: string) => s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    expect(await failure(put('master.sdk'))).toEqual({ code: 'NotImplemented', status: 501 });
    expect(await failure(put('master.versioned'))).toEqual({ code: 'NotImplemented', status: 501 });
    expect(await failure(s3.send(new HeadBucketCommand({ Bucket: 'master.versioned' })))).toMatchObject({ status: 404 });
  });
});
