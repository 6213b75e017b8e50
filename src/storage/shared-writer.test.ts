import { createHash, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ContentStore } from './content-store.js';
import { MemoryStore } from './memory-store.js';
import type { Body } from './object-store.js';
import { listAll } from './object-store.js';
import { INDEX_SUFFIX, PACK_PREFIX } from './pack-format.js';

/** A MemoryStore whose pack puts wait for release() while `held`, or fail while `failing`. */
class GatedStore extends MemoryStore {
  held = false;
  failing = false;
  puts = 0;
  private waiting: (() => void)[] = [];
  override async put(key: string, body: Body): Promise<void> {
    if (key.startsWith(PACK_PREFIX) && !key.endsWith(INDEX_SUFFIX)) {
      this.puts++;
      if (this.failing) throw new Error('disk full');
      if (this.held) await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    return super.put(key, body);
  }
  release(): void {
    this.held = false;
    for (const go of this.waiting.splice(0)) go();
  }
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const opened: ContentStore[] = [];
async function open(objects: MemoryStore): Promise<ContentStore> {
  const store = await ContentStore.open(objects, { hashThread: false });
  opened.push(store);
  return store;
}
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
});

async function packs(objects: MemoryStore): Promise<number> {
  let n = 0;
  for await (const key of listAll(objects, PACK_PREFIX)) if (!key.endsWith(INDEX_SUFFIX)) n++;
  return n;
}

describe('SharedWriter (small files of many callers, group flush)', () => {
  it('writers flushing together share packs; each file reads back and is chunked as a session of its own would', async () => {
    const objects = new GatedStore();
    const store = await open(objects);
    const files = Array.from({ length: 10 }, (_, i) => randomBytes(i * 60_000));
    const results = await Promise.all(
      files.map(async (bytes) => {
        const writer = store.sharedWriter();
        const content = await writer.writeFile(bytes);
        await writer.flush();
        return content;
      }),
    );
    expect(await packs(objects)).toBeLessThanOrEqual(2);
    const alone = await open(new MemoryStore());
    for (const [i, content] of results.entries()) {
      expect(content.hash).toBe(sha(files[i]!));
      expect(Buffer.from(await store.readBytes(content)).equals(files[i]!)).toBe(true);
      const session = alone.writer();
      const own = await session.writeFile(files[i]!);
      await session.close();
      expect((content.refs ?? []).map((r) => [r.chunk.hash, r.start, r.length])).toEqual((own.refs ?? []).map((r) => [r.chunk.hash, r.start, r.length]));
    }
  });

  it('a file written while a flush is in flight joins the next group, and its flush waits until that one is durable', async () => {
    const objects = new GatedStore();
    const store = await open(objects);
    const first = store.sharedWriter();
    await first.writeFile(randomBytes(1000));
    objects.held = true;
    const firstDone = first.flush();
    await until(() => objects.puts === 1);
    const second = store.sharedWriter();
    const third = store.sharedWriter();
    const b = await second.writeFile(randomBytes(2000));
    const c = await third.writeFile(randomBytes(3000));
    let flushed = 0;
    const both = [second.flush(), third.flush()].map((p) => p.then(() => flushed++));
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    expect(flushed).toBe(0); // the first group's pack is still being written: nothing after it is durable yet
    objects.release();
    await firstDone;
    await Promise.all(both);
    expect(objects.puts).toBe(2); // the two late files went into one pack
    const reopened = await open(cloneOf(objects));
    for (const content of [b, c]) expect((await reopened.readBytes(content)).length).toBe(content.size);
  });

  it("a failed pack write fails that group's writers, and the next group works", async () => {
    const objects = new GatedStore();
    const store = await open(objects);
    objects.failing = true;
    const a = store.sharedWriter();
    // Not tiny (at least the minimum chunk size, 16 KiB): tiny files go to the blob packs (next test).
    await a.writeFile(randomBytes(20_000));
    await expect(a.flush()).rejects.toThrow('disk full');
    objects.failing = false;
    const b = store.sharedWriter();
    const content = await b.writeFile(randomBytes(30_000));
    await b.flush();
    expect((await store.readBytes(content)).length).toBe(30_000);
  });

  it('tiny files go into the blob packs: with blobs put meanwhile, one pack; each is one chunk and reads back', async () => {
    const objects = new GatedStore();
    const store = await open(objects);
    const files = [randomBytes(1), randomBytes(700), randomBytes(16 * 1024 - 1)];
    const writers = files.map(() => store.sharedWriter());
    const contents = await Promise.all(files.map((bytes, i) => writers[i]!.writeFile(bytes)));
    await store.blobs.put('node', randomBytes(300)); // a commit's tree node
    const again = store.sharedWriter();
    const same = await again.writeFile(Buffer.from(files[1]!)); // the same bytes: the pending chunk is referenced
    await Promise.all([...writers, again].map((w) => w.flush()));
    expect(objects.puts).toBe(1);
    expect(same.refs).toEqual(contents[1]!.refs);
    const reopened = await open(cloneOf(objects));
    for (const [i, content] of contents.entries()) {
      expect(content.hash).toBe(sha(files[i]!));
      expect(content.refs?.map((r) => [r.chunk.hash, r.start, r.length])).toEqual([[sha(files[i]!), 0, files[i]!.length]]);
      expect(Buffer.from(await reopened.readBytes(content)).equals(files[i]!)).toBe(true);
    }
    // A tiny file already stored is referenced, not stored again.
    const later = store.sharedWriter();
    expect((await later.writeFile(Buffer.from(files[2]!))).refs).toEqual(contents[2]!.refs);
    await later.flush();
    expect(objects.puts).toBe(1);
  });

  it("a failed blob pack fails the tiny files' writers, and stays failed (as for the tree nodes in it)", async () => {
    const objects = new GatedStore();
    const store = await open(objects);
    objects.failing = true;
    const a = store.sharedWriter();
    await a.writeFile(randomBytes(500));
    await expect(a.flush()).rejects.toThrow('disk full');
    objects.failing = false;
    // Later blobs could dedup against the lost ones, so nothing after the failure may count as durable.
    await expect(store.sharedWriter().writeFile(randomBytes(700))).rejects.toThrow('disk full');
    opened.splice(opened.indexOf(store), 1);
    await expect(store.close()).rejects.toThrow('disk full'); // a daemon stopping now says so too
  });
});

async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((r) => setImmediate(r));
}

/** A second MemoryStore holding what `from` holds: a daemon started over the same objects. */
function cloneOf(from: MemoryStore): MemoryStore {
  const to = new MemoryStore();
  (to as unknown as { objects: Map<string, Uint8Array> }).objects = new Map((from as unknown as { objects: Map<string, Uint8Array> }).objects);
  return to;
}
