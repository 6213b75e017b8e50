import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Body } from './object-store.js';
import { MemoryStore } from './memory-store.js';
import { getBytes } from './object-store.js';
import { decodePackIndex, packIndexKey, packKey, type PackEntry } from './pack-format.js';
import { recoverPackIndex } from './pack-recovery.js';
import { PackWriter } from './pack-writer.js';

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
});
