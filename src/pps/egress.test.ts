// copyToSink without S3: every file reaches its deterministic key with its
// bytes, at most `concurrency` at once; the first failure stops the copy and
// names the URL, the file and the storage error.
import { describe, expect, it } from 'vitest';
import { StorageRejected } from '../errors/index.js';
import type { FileEntry } from '../tree/index.js';
import { copyToSink, type EgressSink } from './egress.js';

function entries(paths: string[]): FileEntry[] {
  return paths.map((path) => ({ path, size: path.length, hash: '0'.repeat(64) }) as unknown as FileEntry);
}

async function* bytesOf(entry: FileEntry): AsyncGenerator<Uint8Array> {
  yield Buffer.from(entry.path);
}

async function* listing(list: FileEntry[]): AsyncGenerator<FileEntry> {
  yield* list;
}

class MemorySink implements EgressSink {
  readonly objects = new Map<string, string>();
  inFlight = 0;
  maxInFlight = 0;
  closed = false;
  constructor(private readonly failOn?: string) {}
  async put(key: string, data: AsyncIterable<Uint8Array>): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((r) => setImmediate(r));
      if (key === this.failOn) throw new StorageRejected('put', `${key}: AccessDenied, HTTP 403: Access Denied`);
      const parts: Buffer[] = [];
      for await (const p of data) parts.push(Buffer.from(p));
      this.objects.set(key, Buffer.concat(parts).toString());
    } finally {
      this.inFlight--;
    }
  }
  close(): void {
    this.closed = true;
  }
}

describe('copyToSink', () => {
  const paths = Array.from({ length: 23 }, (_, i) => `/dir${i % 3}/file-${i}.txt`);

  it('writes each file at its path without the leading slash, with its bytes, at most `concurrency` at once', async () => {
    const sink = new MemorySink();
    const done = await copyToSink('s3://b/p', { files: listing(entries(paths)), read: bytesOf }, sink, 4);
    expect(done).toEqual({ files: 23, bytes: paths.reduce((n, p) => n + p.length, 0) });
    expect([...sink.objects.keys()].sort()).toEqual(paths.map((p) => p.slice(1)).sort());
    for (const [key, body] of sink.objects) expect(body).toBe(`/${key}`);
    expect(sink.maxInFlight).toBe(4);
  });

  it('gives the same keys on a second run (a retry overwrites, never duplicates)', async () => {
    const sink = new MemorySink();
    await copyToSink('s3://b/p', { files: listing(entries(paths)), read: bytesOf }, sink, 3);
    const first = new Map(sink.objects);
    await copyToSink('s3://b/p', { files: listing(entries(paths)), read: bytesOf }, sink, 2);
    expect(sink.objects).toEqual(first);
  });

  it('stops at the first failure and names the URL and the storage error', async () => {
    const sink = new MemorySink('dir1/file-4.txt');
    const failed = copyToSink('s3://b/p', { files: listing(entries(paths)), read: bytesOf }, sink, 2);
    await expect(failed).rejects.toMatchObject({ code: 'EgressFailed', message: 'egress to s3://b/p failed: dir1/file-4.txt: AccessDenied, HTTP 403: Access Denied' });
    expect(sink.objects.size).toBeLessThan(paths.length - 1);
    expect(sink.inFlight).toBe(0);
  });

  it('fails with the listing\'s error when the output cannot be read', async () => {
    async function* broken(): AsyncGenerator<FileEntry> {
      yield* entries(['/a']);
      throw new Error('tree node missing');
    }
    await expect(copyToSink('s3://b/p', { files: broken(), read: bytesOf }, new MemorySink(), 2)).rejects.toThrow('egress to s3://b/p failed: reading the output: tree node missing');
  });
});
