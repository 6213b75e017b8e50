// The chunk index: which pack holds a chunk (by its hash) or a blob (by its
// ID), so a writer can skip what is already stored. It is only a cache of the
// pack index objects in the object store: `rebuildChunkIndex` recreates it from
// them. Data references carry their own (pack, offset, size), so reads never
// consult the index. The in-memory implementation lives here; a LevelDB-backed
// one for the daemon implements the same small interface.
import type { ChunkRef } from './content.js';
import { listAll, getBytes, type ObjectStore } from './object-store.js';
import { decodePackIndex, packIdOfIndexKey, PACK_PREFIX, type EntryKind, type PackEntry } from './pack-format.js';

export interface ChunkIndex {
  /** Where the chunk (kind 'chunk', key = its sha256 hex) or blob (kind 'blob', key = its ID) is stored; undefined if unknown. */
  lookup(kind: EntryKind, key: string): Promise<ChunkRef | undefined>;
  has(kind: EntryKind, key: string): Promise<boolean>;
  /** Records every entry of a pack that is durable in the object store. A key already present keeps its first location. */
  addPack(packId: string, entries: readonly PackEntry[]): Promise<void>;
  /** True once addPack was called for this pack (lets a rebuild skip packs already loaded). */
  hasPack(packId: string): Promise<boolean>;
}

export class MemoryChunkIndex implements ChunkIndex {
  private readonly chunks = new Map<string, ChunkRef>();
  private readonly blobs = new Map<string, ChunkRef>();
  private readonly packs = new Set<string>();

  async lookup(kind: EntryKind, key: string): Promise<ChunkRef | undefined> {
    return this.map(kind).get(key);
  }

  async has(kind: EntryKind, key: string): Promise<boolean> {
    return this.map(kind).has(key);
  }

  async addPack(packId: string, entries: readonly PackEntry[]): Promise<void> {
    for (const { kind, key, ref } of entries) {
      const map = this.map(kind);
      if (!map.has(key)) map.set(key, ref);
    }
    this.packs.add(packId);
  }

  async hasPack(packId: string): Promise<boolean> {
    return this.packs.has(packId);
  }

  /** Number of chunks and blobs known. */
  get size(): { chunks: number; blobs: number; packs: number } {
    return { chunks: this.chunks.size, blobs: this.blobs.size, packs: this.packs.size };
  }

  private map(kind: EntryKind): Map<string, ChunkRef> {
    return kind === 'chunk' ? this.chunks : this.blobs;
  }
}

export interface RebuildStats {
  /** Pack indexes read and added. */
  packs: number;
  /** Entries in them (chunks and blobs, duplicates included). */
  entries: number;
}

/**
 * Loads every pack index in the object store that `index` does not know yet.
 * Throws CorruptObject if an index object is damaged (never skips it silently).
 */
export async function rebuildChunkIndex(store: ObjectStore, index: ChunkIndex, concurrency = 8): Promise<RebuildStats> {
  const stats: RebuildStats = { packs: 0, entries: 0 };
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  for await (const key of listAll(store, PACK_PREFIX)) {
    if (failure) break;
    const packId = packIdOfIndexKey(key);
    if (packId === undefined || (await index.hasPack(packId))) continue;
    const task = (async () => {
      const entries = decodePackIndex(await getBytes(store, key), packId, key);
      await index.addPack(packId, entries);
      stats.packs++;
      stats.entries += entries.length;
    })().catch((error: unknown) => {
      failure ??= { error };
    });
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
    if (inFlight.size >= concurrency) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  if (failure) throw failure.error;
  return stats;
}
