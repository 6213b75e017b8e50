// S3Source over a scripted S3 client (no network): what a URL's key selects
// (an object, a prefix, neither, a missing bucket), a body cut off mid-way
// resumed with a ranged GET, retries that give up, and the read-ahead of small
// objects keeping their order.
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { S3Source, type S3SourceObject } from './s3-source.js';

const FAST = { attempts: 3, baseDelayMs: 1, maxDelayMs: 2, sleep: async () => undefined };

function sdkError(name: string, status?: number, code?: string) {
  return Object.assign(new Error(`${name} happened`), { name, code, $metadata: status ? { httpStatusCode: status } : {} });
}

/** A fake S3 holding `objects` in one bucket; `cut` makes the first GET of a key drop after that many bytes. */
function fakeS3(objects: Record<string, Buffer>, options: { bucket?: string; cut?: Record<string, number>; failGets?: number } = {}) {
  const bucket = options.bucket ?? 'b';
  const gets: { key: string; range?: string }[] = [];
  const cut = { ...options.cut };
  let failGets = options.failGets ?? 0;
  const client = {
    async send(command: unknown) {
      const input = (command as { input: Record<string, any> }).input;
      if (input.Bucket !== bucket) throw sdkError('NoSuchBucket', 404);
      if (command instanceof HeadObjectCommand) {
        const body = objects[input.Key];
        if (!body) throw sdkError('NotFound', 404);
        return { ContentLength: body.length };
      }
      if (command instanceof ListObjectsV2Command) {
        const keys = Object.keys(objects).filter((k) => k.startsWith(input.Prefix ?? '')).sort();
        const from = input.ContinuationToken ? Number(input.ContinuationToken) : 0;
        const page = keys.slice(from, from + (input.MaxKeys ?? 1000));
        const more = from + page.length < keys.length;
        return { Contents: page.map((Key) => ({ Key, Size: objects[Key]!.length })), IsTruncated: more, NextContinuationToken: more ? String(from + page.length) : undefined };
      }
      if (command instanceof GetObjectCommand) {
        gets.push({ key: input.Key, range: input.Range });
        if (failGets > 0) {
          failGets--;
          throw sdkError('InternalError', 500);
        }
        const whole = objects[input.Key];
        if (!whole) throw sdkError('NoSuchKey', 404);
        const start = input.Range ? Number(/^bytes=(\d+)-$/.exec(input.Range)![1]) : 0;
        const body = whole.subarray(start);
        const dropAfter = cut[input.Key];
        delete cut[input.Key];
        return {
          Body: (async function* () {
            for (let at = 0; at < body.length; at += 1000) {
              if (dropAfter !== undefined && at >= dropAfter) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
              yield body.subarray(at, at + 1000);
            }
          })(),
        };
      }
      throw new Error(`unexpected command ${(command as object).constructor.name}`);
    },
  } as unknown as S3Client;
  return { source: new S3Source({ client, bucket: 'b', retry: FAST }), gets };
}

async function bytes(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of it) parts.push(Buffer.from(p));
  return Buffer.concat(parts);
}

const DATA = {
  'top.txt': Buffer.from('top'),
  'dir/a.txt': Buffer.from('a'),
  'dir/sub/b.txt': Buffer.from('bb'),
  'dir/marker/': Buffer.alloc(0),
  'dir2/c.txt': Buffer.from('ccc'),
  'both': Buffer.from('object'),
  'both/inner.txt': Buffer.from('inner'),
};

describe('S3Source.select', () => {
  it('names an object, a prefix (with or without the trailing slash), or neither', async () => {
    const { source } = fakeS3(DATA);
    expect(await source.select('top.txt', false)).toEqual({ kind: 'object', object: { key: 'top.txt', size: 3 } });
    expect(await source.select('dir', false)).toEqual({ kind: 'prefix', prefix: 'dir/' });
    expect(await source.select('dir/', true)).toEqual({ kind: 'prefix', prefix: 'dir/' });
    expect(await source.select('', true)).toEqual({ kind: 'prefix', prefix: '' });
    await expect(source.select('di', true)).rejects.toMatchObject({ code: 'S3SourceNotFound', message: 's3://b/di: no such key' });
    await expect(source.select('nope/', true)).rejects.toMatchObject({ message: 's3://b/nope/: no objects under this prefix' });
  });

  it('prefers the prefix with -r and the object without when a key is both', async () => {
    const { source } = fakeS3(DATA);
    expect(await source.select('both', true)).toEqual({ kind: 'prefix', prefix: 'both/' });
    expect(await source.select('both', false)).toEqual({ kind: 'object', object: { key: 'both', size: 6 } });
  });

  it('names a missing bucket, with or without -r', async () => {
    const { source } = fakeS3(DATA, { bucket: 'other' });
    for (const recursive of [false, true]) {
      await expect(source.select('x', recursive)).rejects.toMatchObject({ code: 'S3SourceNotFound', missing: 'bucket', message: 's3://b: no such bucket "b"' });
    }
  });
});

describe('S3Source.list and read', () => {
  it('lists every object under a prefix across pages, leaving out folder markers', async () => {
    const many: Record<string, Buffer> = {};
    for (let i = 0; i < 2500; i++) many[`p/${String(i).padStart(5, '0')}`] = Buffer.from([i % 256]);
    const { source } = fakeS3({ ...many, 'p/marker/': Buffer.alloc(0) });
    const listed: S3SourceObject[] = [];
    for await (const o of source.list('p/')) listed.push(o);
    expect(listed.length).toBe(2500);
    expect(listed[2499]).toEqual({ key: 'p/02499', size: 1 });
  });

  it('resumes a body cut off mid-way from the next byte with a ranged GET', async () => {
    const big = Buffer.from(Array.from({ length: 10_000 }, (_, i) => i % 251));
    const { source, gets } = fakeS3({ big: big }, { cut: { big: 4000 } });
    expect((await bytes(source.read({ key: 'big', size: big.length }))).equals(big)).toBe(true);
    expect(gets).toEqual([{ key: 'big', range: undefined }, { key: 'big', range: 'bytes=4000-' }]);
  });

  it('retries a failing GET, then gives up with the URL and the tries', async () => {
    const ok = fakeS3({ k: Buffer.from('x') }, { failGets: 2 });
    expect((await bytes(ok.source.read({ key: 'k', size: 1 }))).toString()).toBe('x');
    const bad = fakeS3({ k: Buffer.from('x') }, { failGets: 5 });
    await expect(bytes(bad.source.read({ key: 'k', size: 1 }))).rejects.toMatchObject({ code: 'S3TransferFailed', message: 's3://b/k: InternalError, HTTP 500: InternalError happened (gave up after 3 tries)' });
  });

  it('says so when an object is not the size the listing gave', async () => {
    const { source } = fakeS3({ k: Buffer.from('longer') });
    await expect(bytes(source.read({ key: 'k', size: 3 }))).rejects.toMatchObject({ code: 'S3TransferFailed' });
  });

  it('reads small objects ahead, whole, and streams large ones, in listing order', async () => {
    const objs: Record<string, Buffer> = { 'q/1': Buffer.from('one'), 'q/2': Buffer.alloc(5000, 7), 'q/3': Buffer.from('three'), 'q/4': Buffer.from('four') };
    const { source } = fakeS3(objs);
    const seen: [string, boolean, string][] = [];
    for await (const { object, data } of source.withBodies(source.list('q/'), { small: 100, ahead: 2 })) {
      const whole = data instanceof Uint8Array;
      seen.push([object.key, whole, (await bytes(whole ? [data] as unknown as AsyncIterable<Uint8Array> : data)).toString('hex').slice(0, 6)]);
    }
    expect(seen).toEqual([
      ['q/1', true, Buffer.from('one').toString('hex')],
      ['q/2', false, '070707'],
      ['q/3', true, Buffer.from('thr').toString('hex')],
      ['q/4', true, Buffer.from('fou').toString('hex')],
    ]);
  });
});
