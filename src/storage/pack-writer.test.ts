import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsStore } from './fs-store.js';
import type { Body, ObjectWriter } from './object-store.js';
import { MemoryStore } from './memory-store.js';
import { getBytes } from './object-store.js';
import { decodePackIndex, packIndexKey, packKey, type PackEntry } from './pack-format.js';
import { recoverPackIndex } from './pack-recovery.js';
import { PackWriter } from './pack-writer.js';
import { PendingIndexes } from './pending-indexes.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('pack writer', () => {
  it('seals packs at the size limit, writes each pack before its index, and reports them durable', async () => {
    const objects = new MemoryStore();
    const order: string[] = [];
    const put = objects.put.bind(objects);
    objects.put = async (key: string, body: Body) => {
      order.push(key);
      await put(key, body);
    };
    const durable: [string, PackEntry[]][] = [];
    const writer = new PackWriter(objects, { packSize: 100_000, onDurable: (id, entries) => void durable.push([id, entries]) });
    const chunks = Array.from({ length: 50 }, () => randomBytes(9_000));
    const refs = chunks.map((c) => writer.add('chunk', sha(c), c, sha(c)));
    await writer.flush();
    expect(durable.length).toBe(5); // 11 chunks of 9,000 bytes fit in 100,000
    for (const [id] of durable) expect(order.indexOf(packKey(id))).toBeLessThan(order.indexOf(packIndexKey(id)));
    for (const [i, ref] of refs.entries()) {
      const pack = await getBytes(objects, packKey(ref.pack));
      expect(pack.length).toBeLessThanOrEqual(100_000);
      expect(Buffer.compare(pack.subarray(ref.offset, ref.offset + ref.size), chunks[i]!)).toBe(0);
      expect(decodePackIndex(await getBytes(objects, packIndexKey(ref.pack)), ref.pack).map((e) => e.ref)).toContainEqual(ref);
    }
  });

  it('given pending indexes, reports a pack durable and flushes without waiting for its index object, which settled() waits for', async () => {
    const objects = new MemoryStore();
    const order: string[] = [];
    // Index puts are held until the flush has resolved (or, if the flush waited for them, until a fallback timer).
    let flushed!: () => void;
    const released = new Promise<void>((resolve) => (flushed = resolve));
    const fallback = setTimeout(flushed, 2000);
    const put = objects.put.bind(objects);
    objects.put = async (key, body, options) => {
      if (key.endsWith('.idx')) await released;
      await put(key, body, options);
      order.push(`put ${key}`);
    };
    const indexes = new PendingIndexes();
    const writer = new PackWriter(objects, { indexes, onDurable: (id) => void order.push(`durable ${id}`) });
    const chunk = randomBytes(1000);
    const ref = writer.add('chunk', sha(chunk), chunk, sha(chunk));
    await writer.flush();
    order.push('flushed');
    flushed();
    clearTimeout(fallback);
    await indexes.settled();
    expect(order).toEqual([`put ${packKey(ref.pack)}`, `durable ${ref.pack}`, 'flushed', `put ${packIndexKey(ref.pack)}`]);
    expect(decodePackIndex(await getBytes(objects, packIndexKey(ref.pack)), ref.pack).map((e) => e.ref)).toEqual([ref]);
  });

  it('writes index objects as derived data, and writes one small pack after another from the same buffer', async () => {
    const objects = new MemoryStore();
    const derived: string[] = [];
    const bodies: ArrayBufferLike[] = [];
    const put = objects.put.bind(objects);
    objects.put = async (key, body, options) => {
      if (options?.derived) derived.push(key);
      const parts: Uint8Array[] = [];
      if (body instanceof Uint8Array) parts.push(body);
      else for await (const part of body) parts.push(part);
      if (!key.endsWith('.idx')) bodies.push(parts[0]!.buffer);
      await put(key, Buffer.concat(parts));
    };
    const writer = new PackWriter(objects, { packSize: 4 * 1024 * 1024 });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const bytes = randomBytes(3000);
      ids.push(writer.add('blob', `b${i}`, bytes, sha(bytes)).pack);
      await writer.flush();
    }
    expect(derived).toEqual(ids.map((id) => packIndexKey(id)));
    expect(new Set(bodies.filter((b) => b.byteLength === 1024 * 1024)).size).toBe(1); // the 1 MiB first buffer, reused
  });

  it('gives an entry larger than a pack a pack of its own', async () => {
    const objects = new MemoryStore();
    const writer = new PackWriter(objects, { packSize: 1000 });
    const small = randomBytes(10);
    const big = randomBytes(5000);
    const a = writer.add('blob', 'a', small, sha(small));
    const b = writer.add('blob', 'b', big, sha(big));
    await writer.flush();
    expect(a.pack).not.toBe(b.pack);
    const pack = await getBytes(objects, packKey(b.pack));
    expect(Buffer.from(pack.subarray(0, 5000))).toEqual(big);
    expect(await recoverPackIndex(objects, b.pack)).toEqual({ ok: true, entries: [{ kind: 'blob', key: 'b', ref: b }] });
  });

  it('surfaces a failed write at flush', async () => {
    const objects = new MemoryStore();
    objects.put = async () => { throw new Error('disk full'); };
    const writer = new PackWriter(objects);
    writer.add('blob', 'a', new Uint8Array(3), sha(new Uint8Array(3)));
    await expect(writer.flush()).rejects.toThrow('disk full');
  });

  describe('streaming into a store with openWriter (a local disk)', () => {
    const MIB = 1024 * 1024;
    async function onDisk<T>(run: (store: FsStore, root: string) => Promise<T>): Promise<T> {
      const dir = await mkdtemp(join(tmpdir(), 'tusk-pack-stream-'));
      try {
        return await run(await FsStore.open(join(dir, 'objects')), join(dir, 'objects'));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }

    it('writes packs as they fill through a few reused 1 MiB stages; every entry and trailer reads back', async () => {
      await onDisk(async (store, root) => {
        const staged = new Map<ArrayBufferLike, number>(); // stage memory -> full-stage writes from it
        const openWriter = store.openWriter.bind(store);
        store.openWriter = async (key, options) => {
          const w = await openWriter(key, options);
          return { commit: () => w.commit(), abort: () => w.abort(), write: (bytes: Uint8Array) => {
            if (bytes.length === MIB) staged.set(bytes.buffer, (staged.get(bytes.buffer) ?? 0) + 1);
            return w.write(bytes);
          } } satisfies ObjectWriter;
        };
        const stages: Uint8Array[] = [];
        const writer = new PackWriter(store, { packSize: 8 * MIB, stream: true, firstBuffers: stages });
        const chunks = Array.from({ length: 900 }, (_, i) => randomBytes(i === 200 ? 5 * MIB : 1 + ((i * 7919) % 150_000)));
        const refs = [];
        for (const c of chunks) {
          refs.push(writer.add('chunk', sha(c), c, sha(c)));
          await writer.backpressure();
        }
        await writer.flush();
        const writes = [...staged.values()].reduce((a, b) => a + b, 0);
        expect(writes).toBeGreaterThan(55); // ~72 MB in 8 MiB packs: seven full stages each (their rest goes at the seal)...
        // ...from a few buffers, kept for reuse: at most 8 writes out after backpressure() and one more sent, the one
        // being filled, the last (partial) stages of the 5 packs being sealed; plus the 5 the large entry takes at once.
        expect(staged.size).toBeLessThanOrEqual(20);
        expect(stages.length).toBeLessThanOrEqual(15); // kept for the next writer
        for (const [i, ref] of refs.entries()) {
          expect(Buffer.compare(Buffer.from(await store.getRange(packKey(ref.pack), ref.offset, ref.size)), chunks[i]!)).toBe(0);
        }
        const packs = new Set(refs.map((r) => r.pack));
        expect(packs.size).toBe(writer.stats.packs);
        for (const id of packs) {
          const entries = refs.filter((r) => r.pack === id);
          expect(decodePackIndex(await getBytes(store, packIndexKey(id)), id).map((e) => e.ref)).toEqual(entries);
          expect(await recoverPackIndex(store, id)).toMatchObject({ ok: true });
          expect(await store.size(packKey(id))).toBeLessThanOrEqual(8 * MIB + 64 * 1024);
        }
        expect(await readdir(join(root, '.tmp'))).toEqual([]);
      });
    });

    it('writes lent entries straight from their memory and gives it back only once written; mixed with copied ones, every entry reads back', async () => {
      await onDisk(async (store, root) => {
        const memory = new Uint8Array(new SharedArrayBuffer(24 * MIB));
        const writes: { fromLender: boolean; length: number }[] = [];
        const writing = new Set<Uint8Array>(); // writes started, not yet done
        const openWriter = store.openWriter.bind(store);
        store.openWriter = async (key, options) => {
          const w = await openWriter(key, options);
          return { commit: () => w.commit(), abort: () => w.abort(), write: async (bytes: Uint8Array) => {
            writes.push({ fromLender: bytes.buffer === memory.buffer, length: bytes.length });
            writing.add(bytes);
            await new Promise((r) => setImmediate(r)); // the lender's callback must wait for this
            try {
              await w.write(bytes);
            } finally {
              writing.delete(bytes);
            }
          } } satisfies ObjectWriter;
        };
        const writer = new PackWriter(store, { packSize: 8 * MIB, stream: true });
        const chunks: Uint8Array[] = [];
        const refs = [];
        let returned = 0;
        let early = 0;
        let at = 0;
        for (let i = 0; i < 400; i++) {
          const size = 1 + ((i * 7919) % 100_000);
          const bytes = randomBytes(size);
          if (i % 50 === 49) {
            refs.push(writer.add('chunk', sha(bytes), bytes, sha(bytes))); // copied, between lent runs
          } else {
            if (i % 10 === 0) at += 3; // a gap: the next lent entry starts a new run
            const lent = memory.subarray(at, at + size);
            lent.set(bytes);
            at += size;
            refs.push(writer.add('chunk', sha(bytes), lent, sha(bytes), () => {
              const overlapping = [...writing].filter((w) => w.buffer === memory.buffer && w.byteOffset < lent.byteOffset + lent.length && lent.byteOffset < w.byteOffset + w.length);
              if (overlapping.length > 0) early++; // its write is not done
              returned++;
              lent.fill(0xee); // the lender reuses its memory
            }));
          }
          chunks.push(bytes);
          if (i % 25 === 24) writer.sendLent();
          await writer.backpressure();
        }
        await writer.flush();
        expect(returned).toBe(400 - 8);
        expect(early).toBe(0);
        const lentBytes = writes.filter((w) => w.fromLender).reduce((sum, w) => sum + w.length, 0);
        expect(lentBytes).toBe(chunks.filter((_, i) => i % 50 !== 49).reduce((sum, c) => sum + c.length, 0)); // none copied
        for (const [i, ref] of refs.entries()) {
          expect(Buffer.compare(Buffer.from(await store.getRange(packKey(ref.pack), ref.offset, ref.size)), chunks[i]!)).toBe(0);
        }
        for (const id of new Set(refs.map((r) => r.pack))) expect(await recoverPackIndex(store, id)).toMatchObject({ ok: true });
        expect(await readdir(join(root, '.tmp'))).toEqual([]);
      });
    });

    it('a failed write fails the flush and leaves no pack and no temp file', async () => {
      await onDisk(async (store, root) => {
        const openWriter = store.openWriter.bind(store);
        let writes = 0;
        store.openWriter = async (key, options) => {
          const w = await openWriter(key, options);
          return { commit: () => w.commit(), abort: () => w.abort(), write: async (bytes: Uint8Array) => {
            if (++writes === 2) throw new Error('disk full');
            return w.write(bytes);
          } } satisfies ObjectWriter;
        };
        const writer = new PackWriter(store, { stream: true });
        for (let i = 0; i < 30; i++) {
          const c = randomBytes(100_000);
          writer.add('chunk', sha(c), c, sha(c));
        }
        await expect(writer.flush()).rejects.toThrow('disk full');
        expect((await store.list('')).keys).toEqual([]);
        expect(await readdir(join(root, '.tmp'))).toEqual([]);
      });
    });

    it('abort() drops the open pack: its temp file goes and nothing appears', async () => {
      await onDisk(async (store, root) => {
        const writer = new PackWriter(store, { stream: true });
        for (let i = 0; i < 100; i++) {
          const c = randomBytes(100_000);
          writer.add('chunk', sha(c), c, sha(c));
        }
        await writer.backpressure(); // 9 stages out: waits until one is written, so the pack's object is open
        expect((await readdir(join(root, '.tmp'))).length).toBe(1);
        await writer.abort();
        expect(await readdir(join(root, '.tmp'))).toEqual([]);
        await writer.flush();
        expect((await store.list('')).keys).toEqual([]);
      });
    });
  });
});
