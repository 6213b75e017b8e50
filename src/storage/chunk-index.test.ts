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

    // A damaged index whose pack cannot rebuild it (here: no pack at all) is reported, never fatal.
    await objects.put(packIndexKey('broken'), new Uint8Array([1, 2, 3]));
    const fresh = await rebuildChunkIndex(objects, new MemoryChunkIndex());
    expect(fresh).toMatchObject({ packs: 30, unreadable: [{ pack: 'packs/broken', reason: expect.stringMatching(/index object is damaged.*the pack is missing/) }] });
  });
});
