// TUSK_STORAGE URLs: what each form opens, and the message a wrong one gets.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startS3rver } from '../../test/helpers/s3rver.js';
import { FsStore } from './fs-store.js';
import { getBytes } from './object-store.js';
import { S3Store } from './s3-store.js';
import { openObjectStore, parseStorageUrl } from './store-url.js';

const CREDS = { AWS_ACCESS_KEY_ID: 'AK', AWS_SECRET_ACCESS_KEY: 'SK' };

describe('parseStorageUrl', () => {
  it('reads file URLs', () => {
    expect(parseStorageUrl('file:///var/lib/tusk/objects', {})).toEqual({ kind: 'file', path: '/var/lib/tusk/objects' });
    expect(parseStorageUrl('file:///with%20space', {})).toEqual({ kind: 'file', path: '/with space' });
  });

  it('reads s3 URLs with defaults from the environment', () => {
    expect(parseStorageUrl('s3://my-bucket/tusk/data?endpoint=http://127.0.0.1:9000&region=eu-west-1', { ...CREDS, AWS_SESSION_TOKEN: 'T' })).toEqual({
      kind: 's3', bucket: 'my-bucket', prefix: 'tusk/data', endpoint: 'http://127.0.0.1:9000', region: 'eu-west-1',
      credentials: { accessKeyId: 'AK', secretAccessKey: 'SK', sessionToken: 'T' },
    });
    expect(parseStorageUrl('s3://my-bucket', { AWS_REGION: 'ap-south-1' })).toEqual({
      kind: 's3', bucket: 'my-bucket', prefix: '', endpoint: undefined, region: 'ap-south-1', credentials: undefined,
    });
    expect(parseStorageUrl('s3://my-bucket/p/', {})).toMatchObject({ prefix: 'p', region: 'us-east-1' });
  });

  it('names the problem in a bad URL', () => {
    const cases: [string, RegExp][] = [
      ['', /empty/],
      ['/var/tusk', /file:\/\/\/var\/tusk/],
      ['file:relative/path', /absolute path/],
      ['file://server/share', /absolute path/],
      ['file:///x?y=1', /no query/],
      ['http://example.com', /unsupported scheme "http"/],
      ['s3://', /no bucket/],
      ['s3://Bad_Bucket/x', /not a valid bucket name/],
      ['s3://bucket:9000/x', /cannot have a port/],
      ['s3://key:secret@bucket/x', /credentials/],
      ['s3://bucket/x?endpoint=ftp://h', /http/],
      ['s3://bucket/x?endpoint=not a url', /not a URL/],
      ['s3://bucket/x?endpoint=http://h:1/path', /just scheme, host and port/],
      ['s3://bucket/x?regoin=us-east-1', /unknown parameter "regoin"/],
      ['s3://bucket/x?region=a&region=b', /given twice/],
      ['s3://bucket/a/../b', /'\.\.'/],
      ['not a url at all', /not a URL/],
    ];
    for (const [url, message] of cases) {
      let caught: unknown;
      try {
        parseStorageUrl(url, {});
      } catch (err) {
        caught = err;
      }
      expect(caught, url).toMatchObject({ code: 'InvalidStorageUrl', kind: 'invalid_argument' });
      expect((caught as Error).message, url).toMatch(message);
    }
    expect(() => parseStorageUrl('s3://bucket', { AWS_ACCESS_KEY_ID: 'AK' })).toThrow(/must be set together/);
  });
});

describe('openObjectStore', () => {
  it('opens a working FsStore for a file URL', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tusk-url-'));
    try {
      const store = openObjectStore(`file://${dir}/objects`, {});
      expect(store).toBeInstanceOf(FsStore);
      await store.put('k', Buffer.from('v'));
      expect(Buffer.from(await getBytes(store, 'k')).toString()).toBe('v');
      expect(store.describe()).toBe(`file://${dir}/objects`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('opens a working S3Store with credentials from the given environment', async () => {
    const s3 = await startS3rver();
    try {
      const bucket = await s3.createBucket();
      const store = openObjectStore(`s3://${bucket}/tusk?endpoint=${s3.endpoint}`, s3.env);
      expect(store).toBeInstanceOf(S3Store);
      await store.put('k', Buffer.from('v'));
      expect(Buffer.from(await getBytes(store, 'k')).toString()).toBe('v');
      expect(store.describe()).toBe(`s3://${bucket}/tusk/`);
      // The key really lives under the prefix: a store on the bare bucket sees it there.
      const bare = openObjectStore(`s3://${bucket}?endpoint=${s3.endpoint}`, s3.env);
      expect((await bare.list('')).keys).toEqual(['tusk/k']);
    } finally {
      await s3.stop();
    }
  });
});
