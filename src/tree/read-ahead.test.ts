// A walk reads the next leaves ahead, several per read: a listing of a big
// folder over packed blobs costs a few ranged reads, not one per leaf, lists
// exactly what a walk one node at a time lists, and a node that cannot be read
// still fails the walk that reaches it (and only that one).
import { describe, expect, it } from 'vitest';
import { MemoryChunkIndex } from '../storage/chunk-index.js';
import { MemoryStore } from '../storage/memory-store.js';
import { PackedBlobStore } from '../storage/packed-blob-store.js';
import { decodeNode } from './codec.js';
import { fakeEntry } from './fake-entries.js';
import { FileTree } from './file-tree.js';
import { MemoryBlobs } from './memory-blobs.js';

const name = (i: number) => `/flat/f${String(i).padStart(5, '0')}`;
const paths = Array.from({ length: 6000 }, (_, i) => name(i));

async function collect<T>(it: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const batch of it) out.push(...batch);
  return out;
}

async function packedTree() {
  const objects = new MemoryStore();
  const index = new MemoryChunkIndex();
  const writer = new FileTree(new PackedBlobStore(objects, index));
  const root = await writer.build(paths.map((p) => fakeEntry(p)));
  await (writer as unknown as { blobs: PackedBlobStore }).blobs.flush();
  let reads = 0;
  const counted = Object.assign(Object.create(objects) as MemoryStore, {
    getRange: (key: string, offset: number, length: number) => (reads++, objects.getRange(key, offset, length)),
  });
  return { objects, root, reader: new FileTree(new PackedBlobStore(counted, index)), reads: () => reads };
}

describe('read-ahead', () => {
  it('lists a folder of ~90 leaves with a few reads, in order, as a node-by-node walk does', async () => {
    const { root, reader, reads } = await packedTree();
    const listed = await collect(reader.listDirBatches(root, '/flat'));
    expect(listed.map((i) => i.path)).toEqual(paths);
    expect(reads()).toBeLessThan(20); // one read per leaf would be ~90
    // leaves a listing read without their data references were not kept: a file's entry still has them
    expect((await reader.get(root, name(4321)))?.content.refs).toEqual(fakeEntry(name(4321)).content.refs);

    const blobs = new MemoryBlobs();
    const plain = new FileTree(blobs);
    const again = await plain.build(paths.map((p) => fakeEntry(p)));
    expect(again).toBe(root);
    expect((await collect(plain.listDirBatches(again, '/flat', { after: name(2999) }))).map((i) => i.path)).toEqual(paths.slice(3000));
  });

  it('reads each node of a three-level tree once in a whole listing', async () => {
    // ~470 leaves under several leaf parents: stepping from one parent to the next once read
    // ahead (and dropped) that parent's siblings each time, and dropped the leaves read ahead
    const many = Array.from({ length: 30_000 }, (_, i) => `/m/f${String(i).padStart(6, '0')}`);
    const blobs = new MemoryBlobs();
    const root = await new FileTree(blobs).build(many.map((p) => fakeEntry(p)));
    const requested: string[] = [];
    const counted = Object.assign(Object.create(blobs) as MemoryBlobs, {
      get: (id: string) => (requested.push(id), blobs.get(id)),
      getMany: (ids: readonly string[]) => (requested.push(...ids), Promise.all(ids.map((id) => blobs.get(id)))),
    });
    const levels = new Set([...blobs.raw].map(([id, bytes]) => decodeNode(bytes, id).level));
    expect(levels.size).toBeGreaterThanOrEqual(3);
    const listed = await collect(new FileTree(counted).listDirBatches(root, '/m'));
    expect(listed.map((i) => i.path)).toEqual(many);
    expect(requested.length).toBe(new Set(requested).size);
    expect(requested.length).toBe(blobs.raw.size);
  });

  it('fails a walk that reaches a node it cannot read, and not one that stops before it', async () => {
    const blobs = new MemoryBlobs();
    const tree = new FileTree(blobs, { cacheNodes: 0 });
    const root = await tree.build(paths.map((p) => fakeEntry(p)));
    const [damaged] = [...blobs.raw].filter(([id, bytes]) => {
      const node = decodeNode(bytes, id);
      return node.kind === 'leaf' && node.entries.some((e) => e.path === name(3000));
    });
    damaged![1][damaged![1].length - 1]! ^= 0xff; // its checksum
    await expect(collect(tree.listDirBatches(root, '/flat'))).rejects.toMatchObject({ code: 'CorruptObject' });
    // stopping at f02900 leaves the damaged leaf read ahead but never taken: no error, no unhandled rejection
    const seen: string[] = [];
    for await (const batch of tree.listDirBatches(root, '/flat')) {
      seen.push(...batch.map((i) => i.path));
      if (seen.includes(name(2900))) break;
    }
    expect(seen.slice(0, 2901)).toEqual(paths.slice(0, 2901));
    expect((await collect(tree.listDirBatches(root, '/flat', { after: name(3500) }))).length).toBe(2499);
  });
});
