import { describe, expect, it } from 'vitest';
import { fakeEntry, randomPaths, shuffle } from './fake-entries.js';
import { EMPTY_TREE, FileTree, type FileEntry } from './index.js';
import { MemoryBlobs } from './memory-blobs.js';

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function* stream(entries: FileEntry[]): AsyncGenerator<FileEntry> {
  for (const e of entries) yield e;
}

describe('FileTree over a BlobStore', () => {
  it('builds from a stream in any order and reads back entries with their data references', async () => {
    const blobs = new MemoryBlobs();
    const entries = randomPaths(1, 2000).map((p, i) => fakeEntry(p, 0, `pack-${i % 7}`));
    const root = await new FileTree(blobs).build(stream(shuffle([...entries], 2)));
    expect(root).toBe(await new FileTree(new MemoryBlobs()).build(entries));
    const cold = new FileTree(blobs, { cacheNodes: 0 }); // every read goes to the store
    for (const e of entries.slice(0, 50)) expect(await cold.get(root, e.path)).toEqual(e);
    expect(await cold.get(root, '/')).toBeUndefined();
    expect(await cold.get(root, 'a0//')).toEqual(entries.find((e) => e.path === '/a0'));
    expect(await cold.stats(root)).toEqual({ files: entries.length, bytes: entries.reduce((s, e) => s + e.size, 0) });
    expect(await cold.stats(EMPTY_TREE)).toEqual({ files: 0, bytes: 0 });
  });

  it('applies mutations, writing exactly the nodes it reports', async () => {
    const blobs = new MemoryBlobs();
    const tree = new FileTree(blobs);
    const entries = Array.from({ length: 20_000 }, (_, i) => fakeEntry(`/logs/2024/day-${i % 300}/part-${i}.log`));
    const root = await tree.build(entries);
    blobs.resetCounts();
    const { root: next, nodesWritten } = await tree.apply(root, [
      { path: '/logs/2024/day-7/part-7.log', entry: fakeEntry('/logs/2024/day-7/part-7.log', 1) },
      { path: '/new/file', entry: fakeEntry('/new/file') },
      { deletePrefix: '/logs/2024/day-9' },
    ]);
    expect(blobs.puts).toBe(nodesWritten);
    expect(nodesWritten).toBeGreaterThan(0);
    expect(nodesWritten).toBeLessThan(20);
    expect(await collect(tree.listDir(next, '/'))).toEqual([
      { path: '/logs', type: 'dir', size: (await tree.dirStats(next, '/logs')).bytes },
      { path: '/new', type: 'dir', size: fakeEntry('/new/file').size },
    ]);
    expect(await tree.isDir(next, '/logs/2024/day-9')).toBe(false);
    expect(await tree.isDir(next, '/logs/2024/day-8')).toBe(true);
    expect(await tree.isDir(next, '/new/file')).toBe(false);
    const diff = await collect(tree.diff(root, next));
    expect(diff.filter((d) => d.before && d.after).map((d) => d.path)).toEqual(['/logs/2024/day-7/part-7.log']);
    expect(diff.filter((d) => !d.before).map((d) => d.path)).toEqual(['/new/file']);
    expect(diff.filter((d) => !d.after).length).toBe(entries.filter((e) => e.path.startsWith('/logs/2024/day-9/')).length);
    expect((await collect(tree.diff(root, next, { prefix: '/new/' }))).map((d) => d.path)).toEqual(['/new/file']);
    const day7 = await collect(tree.glob(next, '/logs/*/day-7/*'));
    expect(day7.length).toBe(entries.filter((e) => e.path.startsWith('/logs/2024/day-7/')).length);
    expect(await collect(tree.scan(next, { prefix: '/logs/2024/day-1/', after: '/logs/2024/day-1/part-19000.log' }))).toEqual(
      entries.filter((e) => e.path.startsWith('/logs/2024/day-1/') && e.path > '/logs/2024/day-1/part-19000.log').sort((a, b) => (a.path < b.path ? -1 : 1)),
    );
  });

  it('reads a node once for lookups that ask for it at the same time, and a failed read fails each of them', async () => {
    const blobs = new MemoryBlobs();
    const entries = Array.from({ length: 5000 }, (_, i) => fakeEntry(`/f/${String(i).padStart(4, '0')}`));
    const root = await new FileTree(blobs).build(entries);
    const nodes = blobs.raw.size;
    // A worker's next tasks: dozens of files of the same leaves, looked up at once by a fresh (cold) tree.
    const tree = new FileTree(blobs);
    blobs.resetCounts();
    const paths = entries.slice(100, 164).map((e) => e.path);
    expect(await Promise.all(paths.map((p) => tree.get(root, p)))).toEqual(entries.slice(100, 164));
    expect(blobs.gets).toBeLessThanOrEqual(4); // the root and the one or two leaves, each once
    expect(nodes).toBeGreaterThan(4);
    const leafId = [...blobs.raw.keys()].find((id) => id !== root)!;
    blobs.raw.delete(leafId);
    const cold = new FileTree(blobs);
    const all = await Promise.allSettled(entries.map((e) => cold.get(root, e.path)));
    expect(all.filter((r) => r.status === 'rejected').length).toBeGreaterThan(0);
    for (const r of all) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'ObjectNotFound' });
  });

  it('reports a damaged node as CorruptObject and a missing one as ObjectNotFound', async () => {
    const blobs = new MemoryBlobs();
    const entries = Array.from({ length: 5000 }, (_, i) => fakeEntry(`/f/${i}`));
    const root = await new FileTree(blobs).build(entries);
    const leafId = [...blobs.raw.keys()].find((id) => id !== root)!;
    const bytes = blobs.raw.get(leafId)!;
    bytes[bytes.length >> 1] ^= 0x40;
    const tree = new FileTree(blobs, { cacheNodes: 0 });
    await expect(collect(tree.scan(root))).rejects.toMatchObject({ code: 'CorruptObject', kind: 'data_loss' });
    blobs.raw.delete(leafId);
    await expect(collect(tree.scan(root))).rejects.toMatchObject({ code: 'ObjectNotFound' });
    await expect(tree.get('0'.repeat(64), '/x')).rejects.toMatchObject({ code: 'ObjectNotFound' });
  });

  it('refuses bad paths, entries and globs with typed errors', async () => {
    const tree = new FileTree(new MemoryBlobs());
    await expect(tree.build([{ ...fakeEntry('/a'), path: '/a/../b' }])).rejects.toMatchObject({ code: 'InvalidPath' });
    await expect(tree.build([{ ...fakeEntry('/a'), size: 1.5 }])).rejects.toMatchObject({ code: 'InvalidFileEntry' });
    await expect(tree.build([{ ...fakeEntry('/a'), path: '/\uD800' }])).rejects.toMatchObject({ code: 'InvalidPath' });
    await expect(tree.get(EMPTY_TREE, '/a/\0')).rejects.toMatchObject({ code: 'InvalidPath' });
    await expect(collect(tree.glob(EMPTY_TREE, '/[a'))).rejects.toMatchObject({ code: 'InvalidGlob' });
  });

  it('starts the next commit from the nodes the last one wrote, without reading them back', async () => {
    const blobs = new MemoryBlobs();
    const tree = new FileTree(blobs);
    let root = await tree.build(Array.from({ length: 5000 }, (_, i) => fakeEntry(`/d${i % 50}/f${i}`)));
    root = (await tree.apply(root, [{ path: '/d7/new-0', entry: fakeEntry('/d7/new-0') }])).root;
    blobs.resetCounts();
    // One PUT after another into the same folder (an `aws s3 sync`): each commit's tree from the one before.
    for (let i = 1; i <= 20; i++) root = (await tree.apply(root, [{ path: `/d7/new-${i}`, entry: fakeEntry(`/d7/new-${i}`) }])).root;
    expect(blobs.gets).toBe(0);
    expect(await new FileTree(blobs, { cacheNodes: 0 }).get(root, '/d7/new-20')).toEqual(fakeEntry('/d7/new-20'));
  });

  it('reads back, not from the cache, a node it built whose ID was already stored with other data references', async () => {
    const blobs = new MemoryBlobs();
    const stored = await new FileTree(blobs).build([fakeEntry('/a'), fakeEntry('/b', 0, 'pack-1')]);
    // The same files, /b's bytes now sliced from another pack: the same node ID, so the store keeps the first bytes.
    const tree = new FileTree(blobs);
    const { root } = await tree.apply(await tree.build([fakeEntry('/a')]), [{ path: '/b', entry: fakeEntry('/b', 0, 'pack-2') }]);
    expect(root).toBe(stored);
    expect(await tree.get(root, '/b')).toEqual(fakeEntry('/b', 0, 'pack-1'));
  });

  it('keeps in its cache the nodes a small apply reads, not those a large one reads (a put of many files folded batch by batch)', async () => {
    const blobs = new MemoryBlobs();
    const root = await new FileTree(blobs).build(Array.from({ length: 5000 }, (_, i) => fakeEntry(`/x/${i}`)));
    const large = Array.from({ length: 100 }, (_, i) => ({ path: `/y/${i}`, entry: fakeEntry(`/y/${i}`) }));
    for (const [mutations, cached] of [[large, false], [large.slice(0, 1), true]] as const) {
      const tree = new FileTree(blobs);
      await tree.apply(root, [...mutations]);
      blobs.resetCounts();
      await tree.lastPath(root); // the root node: read by the apply
      expect(blobs.gets === 0).toBe(cached);
    }
  });

  it('serves repeated reads from its node cache', async () => {
    const blobs = new MemoryBlobs();
    const tree = new FileTree(blobs);
    const entries = Array.from({ length: 10_000 }, (_, i) => fakeEntry(`/x/${i}`));
    const root = await tree.build(entries);
    const other = await new FileTree(blobs).apply(root, [{ path: '/x/5', delete: true }]);
    const fresh = new FileTree(blobs);
    blobs.resetCounts();
    expect((await collect(fresh.diff(root, other.root))).map((d) => d.path)).toEqual(['/x/5']);
    const cold = blobs.gets;
    expect(cold).toBeGreaterThan(0);
    await collect(fresh.diff(root, other.root));
    expect(blobs.gets).toBe(cold);
  });
});
