import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemoryChunkIndex, rebuildChunkIndex } from './chunk-index.js';
import { MemoryStore } from './memory-store.js';
import { encodePackIndex, packIndexKey, packKey, type PackEntry } from './pack-format.js';

const hex = (s: string) => createHash('sha256').update(s).digest('hex');
const chunk = (name: string, pack: string, offset: number): PackEntry => ({ kind: 'chunk', key: hex(name), ref: { hash: hex(name), pack, offset, size: 10 } });

describe('chunk index', () => {
  it('keeps chunks and blobs apart and the first location of a key', async () => {
    const index = new MemoryChunkIndex();
    await index.addPack('p1', [chunk('a', 'p1', 0), { kind: 'blob', key: hex('a'), ref: { hash: hex('x'), pack: 'p1', offset: 10, size: 3 } }]);
    await index.addPack('p2', [chunk('a', 'p2', 0)]);
    expect((await index.lookup('chunk', hex('a')))?.pack).toBe('p1');
    expect((await index.lookup('blob', hex('a')))?.offset).toBe(10);
    expect(await index.has('chunk', hex('b'))).toBe(false);
    expect(await index.hasPack('p2')).toBe(true);
  });

  it('rebuilds from pack index objects, skipping packs it has and reporting damaged ones it cannot rebuild', async () => {
    const objects = new MemoryStore();
    for (let p = 0; p < 30; p++) {
      const id = `pack${String(p).padStart(2, '0')}`;
      await objects.put(packKey(id), new Uint8Array(20));
      await objects.put(packIndexKey(id), encodePackIndex([chunk(`c${p}`, id, 0), chunk(`d${p}`, id, 10)]));
    }
    await objects.put(packKey('orphan'), new Uint8Array(5)); // a pack whose index was never written
    const index = new MemoryChunkIndex();
    const events: string[] = [];
    expect(await rebuildChunkIndex(objects, index, 3, (_l, event) => events.push(event))).toEqual({ packs: 30, entries: 60, rebuilt: 0, unreadable: [] });
    expect(events).toEqual(['pack_not_indexed']);
    for (let p = 0; p < 30; p++) expect(await index.has('chunk', hex(`d${p}`))).toBe(true);
    expect(await rebuildChunkIndex(objects, index)).toMatchObject({ packs: 0, entries: 0 });

    // An index object without its pack (damaged or not) names a pack lost from the store: reported, never fatal, and
    // not indexed, so a writer stores those chunks anew rather than referring to the lost pack.
    await objects.put(packIndexKey('broken'), new Uint8Array([1, 2, 3]));
    await objects.put(packIndexKey('lost'), encodePackIndex([chunk('e', 'lost', 0)]));
    const fresh = new MemoryChunkIndex();
    const stats = await rebuildChunkIndex(objects, fresh);
    expect(stats.packs).toBe(30);
    expect(stats.unreadable.map((u) => u.pack).sort()).toEqual(['packs/broken', 'packs/lost']);
    for (const u of stats.unreadable) expect(u.reason).toMatch(/the pack is missing/);
    expect(await fresh.has('chunk', hex('e'))).toBe(false);
  });
});
