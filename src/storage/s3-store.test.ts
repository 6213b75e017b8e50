// S3Store against a real S3 server (s3rver in a child process): the ObjectStore
// contract, then what only S3 can do wrong: retries on throttling, 5xx and
// dropped connections (through a fault injector), no retries on refusals,
// multipart uploads that are aborted on failure and keep memory bounded.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startS3rver, type S3rverHandle } from '../../test/helpers/s3rver.js';
import {
  ACCESS_DENIED, CONNECTION_RESET, INTERNAL_ERROR, isAbortUpload, isUploadPart, S3FaultInjector, SLOW_DOWN,
} from '../../test/helpers/s3-fault-injector.js';
import { chunked, generated, objectStoreContract, pseudoRandom } from './object-store.contract.js';
import { getBytes } from './object-store.js';
import { makeS3Client } from './s3-client.js';
import { MIN_PART_SIZE, S3Store } from './s3-store.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const FAST_RETRY = { attempts: 4, baseDelayMs: 1, maxDelayMs: 5 };

let s3: S3rverHandle;
beforeAll(async () => {
  s3 = await startS3rver();
});
afterAll(async () => {
  await s3?.stop();
});

objectStoreContract(
  'S3Store on s3rver',
  async () => {
    const bucket = await s3.createBucket();
    const store = new S3Store({ client: s3.client, bucket, prefix: 'tusk/objects', partSize: MIN_PART_SIZE, concurrency: 2, retry: FAST_RETRY });
    return { store, cleanup: async () => undefined };
  },
  {
    knownDeviations: {
      mixedSeparatorOrder: "s3rver lists in its directory-walk order, not S3's byte order, when an object and a same-named prefix interleave",
      emptyObjectRange: 's3rver answers a ranged GET of an empty object with a 1-byte Content-Length and no body (S3 says 416)',
    },
  },
);

describe('S3Store', () => {
  let injector: S3FaultInjector;
  let bucket: string;
  let store: S3Store;

  beforeAll(async () => {
    injector = await S3FaultInjector.start(s3.endpoint);
  });
  afterAll(async () => {
    await injector?.close();
  });
  beforeEach(async () => {
    bucket = await s3.createBucket();
    injector.reset();
    const client = makeS3Client({ endpoint: injector.endpoint, region: s3.region, credentials: s3.credentials });
    store = new S3Store({ client, bucket, prefix: 'p', partSize: MIN_PART_SIZE, concurrency: 2, retry: FAST_RETRY });
  });

  const requestsTo = (method: string, fragment: string) => injector.requests.filter((r) => r.method === method && r.url.includes(fragment));

  it('retries throttled puts (503 SlowDown) and succeeds', async () => {
    injector.failNext(2, SLOW_DOWN);
    await store.put('a/obj', Buffer.from('hello'));
    expect(requestsTo('PUT', '/p/a/obj').map((r) => r.status)).toEqual([503, 503, 200]);
    expect(Buffer.from(await getBytes(store, 'a/obj')).toString()).toBe('hello');
  });

  it('retries reads over dropped connections and 500s', async () => {
    await store.put('r', pseudoRandom(1000, 1));
    injector.reset();
    injector.failNext(1, CONNECTION_RESET).failNext(1, INTERNAL_ERROR);
    expect(Buffer.compare(await getBytes(store, 'r'), pseudoRandom(1000, 1))).toBe(0);
    injector.failNext(2, CONNECTION_RESET);
    expect(Buffer.compare(await store.getRange('r', 10, 20), pseudoRandom(1000, 1).subarray(10, 30))).toBe(0);
    injector.failNext(1, SLOW_DOWN);
    expect((await store.list('')).keys).toEqual(['r']);
    injector.failNext(1, INTERNAL_ERROR);
    expect(await store.size('r')).toBe(1000);
    expect(injector.requests.filter((r) => r.fault).length).toBe(6);
  });

  it('goes on from the next byte with a ranged GET when a read is cut off mid-body', async () => {
    const data = pseudoRandom(3 * 1024 * 1024 + 17, 5);
    await store.put('cut', data);
    injector.reset();
    const isGet = ({ method, url }: { method: string; url: URL }) => method === 'GET' && url.pathname.endsWith('/p/cut');
    injector.failNext(1, { kind: 'cut', afterBytes: 1024 * 1024 }, isGet).failNext(1, { kind: 'cut', afterBytes: 512 * 1024 }, isGet);
    expect(sha(await getBytes(store, 'cut'))).toBe(sha(data));
    expect(injector.requests.filter((r) => r.method === 'GET').length).toBe(3);

    // A connection that keeps dropping without progress gives up after the policy's tries.
    injector.reset();
    injector.failNext(1, { kind: 'cut', afterBytes: 100_000 }, isGet).failAlways({ kind: 'cut', afterBytes: 0 }, isGet);
    await expect(getBytes(store, 'cut')).rejects.toMatchObject({ code: 'StorageUnavailable' });
    expect(injector.requests.filter((r) => r.method === 'GET').length).toBe(FAST_RETRY.attempts);
    injector.reset();
  });

  it('gives up with StorageUnavailable after the last try', async () => {
    injector.failAlways(SLOW_DOWN, () => true);
    await expect(store.put('k', Buffer.from('x'))).rejects.toMatchObject({ code: 'StorageUnavailable', kind: 'unavailable' });
    expect(injector.requests.length).toBe(FAST_RETRY.attempts);
    injector.reset();
    injector.failAlways(CONNECTION_RESET, () => true);
    await expect(store.get('k')).rejects.toMatchObject({ code: 'StorageUnavailable' });
    expect(injector.requests.length).toBe(FAST_RETRY.attempts);
  });

  it('does not retry refusals or missing keys', async () => {
    injector.failNext(1, ACCESS_DENIED);
    await expect(store.put('k', Buffer.from('x'))).rejects.toMatchObject({ code: 'StorageRejected', kind: 'failed_precondition' });
    expect(injector.requests.length).toBe(1);
    injector.reset();
    await expect(store.get('missing')).rejects.toMatchObject({ code: 'ObjectNotFound' });
    await expect(store.getRange('missing', 0, 10)).rejects.toMatchObject({ code: 'ObjectNotFound' });
    expect(await store.size('missing')).toBeUndefined();
    expect(injector.requests.length).toBe(3);
  });

  it('reports a missing bucket as a refusal', async () => {
    const lost = new S3Store({ client: s3.client, bucket: 'no-such-bucket', retry: FAST_RETRY });
    await expect(lost.put('k', Buffer.from('x'))).rejects.toMatchObject({ code: 'StorageRejected' });
  });

  it('uploads bodies larger than a part as multipart', async () => {
    const data = pseudoRandom(2 * MIN_PART_SIZE + 123, 2);
    await store.put('big', data);
    expect(requestsTo('PUT', 'uploadId=').length).toBe(3);
    expect(requestsTo('POST', 'uploadId=').length).toBe(1); // complete
    expect(Buffer.compare(await getBytes(store, 'big'), data)).toBe(0);
    injector.reset();
    await store.put('exact', chunked(pseudoRandom(MIN_PART_SIZE, 3), [65_536]));
    expect(requestsTo('PUT', 'uploadId=').length).toBe(0); // one part's worth goes up in one PutObject
  });

  it('retries a failed part, not the whole upload', async () => {
    injector.failNext(2, SLOW_DOWN, isUploadPart(2));
    await store.put('big', generated(2 * MIN_PART_SIZE + 1, 4));
    const parts = injector.requests.filter((r) => isUploadPart()({ method: r.method, url: new URL(r.url, s3.endpoint) }));
    expect(parts.length).toBe(5);
    expect(requestsTo('POST', '?uploads').length).toBe(1);
    expect(await store.size('big')).toBe(2 * MIN_PART_SIZE + 1);
  });

  it('aborts the upload and leaves no object when a part keeps failing', async () => {
    injector.failAlways(INTERNAL_ERROR, isUploadPart(2));
    await expect(store.put('doomed', generated(3 * MIN_PART_SIZE, 5))).rejects.toMatchObject({ code: 'StorageUnavailable' });
    const uploadIds = new Set(requestsTo('PUT', 'uploadId=').map((r) => new URL(r.url, s3.endpoint).searchParams.get('uploadId')));
    expect(uploadIds.size).toBe(1);
    const aborts = injector.requests.filter((r) => isAbortUpload({ method: r.method, url: new URL(r.url, s3.endpoint) }));
    expect(aborts.map((r) => new URL(r.url, s3.endpoint).searchParams.get('uploadId'))).toEqual([...uploadIds]);
    expect(requestsTo('POST', 'uploadId=')).toEqual([]); // never completed
    expect(await store.exists('doomed')).toBe(false);
  });

  it('aborts the upload when the source stream fails midway, passing its error on', async () => {
    const boom = new Error('source died');
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield* generated(MIN_PART_SIZE + MIN_PART_SIZE / 2, 6);
      throw boom;
    }
    await expect(store.put('half', failing())).rejects.toBe(boom);
    expect(injector.requests.filter((r) => isAbortUpload({ method: r.method, url: new URL(r.url, s3.endpoint) })).length).toBe(1);
    expect(await store.exists('half')).toBe(false);
  });

  it('holds at most `concurrency` parts in memory while uploading', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    injector.failAlways({ kind: 'delay', until: gate }, isUploadPart());
    let pulled = 0;
    async function* counted(): AsyncGenerator<Uint8Array> {
      for await (const chunk of generated(6 * MIN_PART_SIZE, 7)) {
        pulled += chunk.length;
        yield chunk;
      }
    }
    const putting = store.put('bounded', counted());
    await waitFor(() => requestsTo('PUT', 'uploadId=').length >= 2);
    await new Promise((r) => setTimeout(r, 200)); // give a runaway reader time to show itself
    expect(pulled).toBeLessThanOrEqual(2 * MIN_PART_SIZE + 64 * 1024); // two parts in flight, one chunk of lookahead
    release();
    await putting;
    expect(injector.maxConcurrent).toBeLessThanOrEqual(2);
    expect(await store.size('bounded')).toBe(6 * MIN_PART_SIZE);
  });

  it('keeps stores with different prefixes apart in one bucket', async () => {
    const other = new S3Store({ client: s3.client, bucket, prefix: 'q/', retry: FAST_RETRY });
    await store.put('same', Buffer.from('p'));
    await other.put('same', Buffer.from('q'));
    expect((await store.list('')).keys).toEqual(['same']);
    expect(Buffer.from(await getBytes(other, 'same')).toString()).toBe('q');
    expect(store.describe()).toBe(`s3://${bucket}/p/`);
  });

  it('refuses part sizes S3 would reject', () => {
    expect(() => new S3Store({ client: s3.client, bucket, partSize: 1024 })).toThrow(expect.objectContaining({ code: 'InvalidPartSize' }));
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
