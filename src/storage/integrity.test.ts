// checkEntries over an in-memory object store: every entry read back and
// checked, each problem named, and a chunk whose pack is gone but which the
// index knows in another pack counted as intact.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemoryChunkIndex } from './chunk-index.js';
import type { ChunkRef } from './content.js';
import { entryKey, checkEntries } from './integrity.js';
import { MemoryStore } from './memory-store.js';
import { getBytes } from './object-store.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A pack object holding `parts` back to back; returns their refs. */
async function pack(store: MemoryStore, id: string, parts: string[]): Promise<ChunkRef[]> {
  const refs: ChunkRef[] = [];
  let offset = 0;
  for (const p of parts) {
    refs.push({ hash: sha(Buffer.from(p)), pack: id, offset, size: p.length });
    offset += p.length;
  }
  await store.put(`packs/${id}`, Buffer.from(parts.join('')));
  return refs;
}

describe('checkEntries', () => {
  it('reports a damaged entry as corrupt and the entries of a missing pack as missing, leaving the rest alone', async () => {
    const store = new MemoryStore();
    const [a, b, c] = await pack(store, 'p1', ['alpha', 'bravo', 'charlie']);
    const [d] = await pack(store, 'p2', ['delta']);
    const bytes = Buffer.from(await getBytes(store, 'packs/p1'));
    bytes[6] = bytes[6]! ^ 0xff; // inside "bravo"
    await store.put('packs/p1', bytes);
    await store.delete('packs/p2');

    const check = await checkEntries(store, new MemoryChunkIndex(), [a!, b!, c!, d!, b!]);
    expect(check.entries).toBe(4);
    expect([...check.problems.keys()].sort()).toEqual([entryKey(b!), entryKey(d!)].sort());
    expect(check.problems.get(entryKey(b!))).toMatchObject({ object: 'packs/p1', problem: 'corrupt', reason: expect.stringContaining('sha256 mismatch') });
    expect(check.problems.get(entryKey(d!))).toMatchObject({ object: 'packs/p2', problem: 'missing' });
  });

  it('counts a chunk of a pack that is gone as intact when the index knows it, intact, in another pack', async () => {
    const store = new MemoryStore();
    const [old] = await pack(store, 'old', ['echo']);
    const moved = (await pack(store, 'new', ['xx', 'echo']))[1];
    await store.delete('packs/old');
    const index = new MemoryChunkIndex();
    await index.addPack('new', [{ kind: 'chunk', key: moved!.hash, ref: moved! }]);
    expect((await checkEntries(store, index, [old!])).problems.size).toBe(0);
    expect((await checkEntries(store, new MemoryChunkIndex(), [old!])).problems.get(entryKey(old!))).toMatchObject({ problem: 'missing' });
  });
});
