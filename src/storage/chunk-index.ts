// The chunk index: which pack holds a chunk (by its hash) or a blob (by its
// ID), so a writer can skip what is already stored. It is only a cache of the
// pack index objects in the object store: `rebuildChunkIndex` recreates it from
// them (and them from their packs when they are damaged or missing). Data references carry their own (pack, offset, size), so reads never
// consult the index. The in-memory implementation lives here; a LevelDB-backed
// one for the daemon implements the same small interface.
import type { ChunkRef } from './content.js';
import { listAll, getBytes, type ObjectStore } from './object-store.js';
import { isTuskError } from '../errors/index.js';
import { decodePackIndex, encodePackIndex, packIdOfIndexKey, packIndexKey, packKey, PACK_PREFIX, type EntryKind, type PackEntry } from './pack-format.js';
import { recoverPackIndex } from './pack-recovery.js';

export interface ChunkIndex {
  /** Where the chunk (kind 'chunk', key = its sha256 hex) or blob (kind 'blob', key = its ID) is stored; undefined if unknown. */
  lookup(kind: EntryKind, key: string): Promise<ChunkRef | undefined>;
  has(kind: EntryKind, key: string): Promise<boolean>;
  /** Records every entry of a pack that is durable in the object store. A key already present keeps its first location. */
  addPack(packId: string, entries: readonly PackEntry[]): Promise<void>;
  /** True once addPack was called for this pack (lets a rebuild skip packs already loaded). */
  hasPack(packId: string): Promise<boolean>;
  /** Says a writer is about to put this pack (before addPack): the garbage collector's journal listens (touching-index.ts). */
  announce?(packId: string): void;
  /** Forgets a pack the collector removes: each of `entries` whose recorded location is in this pack. */
  forgetPack(packId: string, entries: readonly PackEntry[]): Promise<void>;
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

  async forgetPack(packId: string, entries: readonly PackEntry[]): Promise<void> {
    for (const { kind, key } of entries) {
      const map = this.map(kind);
      if (map.get(key)?.pack === packId) map.delete(key);
    }
    this.packs.delete(packId);
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
  /** Index objects that were damaged or missing and were rebuilt from their pack. */
  rebuilt: number;
  /** Packs whose index could not be read nor fully rebuilt: their intact entries are served, the rest is reported. */
  unreadable: UnreadablePack[];
}

export interface UnreadablePack {
  pack: string;
  reason: string;
}

/** Where the rebuild reports what it repaired and what it could not. */
export type StorageLog = (level: 'info' | 'warn' | 'error', event: string, fields: Record<string, unknown>) => void;

/**
 * Loads every pack index in the object store that `index` does not know yet. An index object that is
 * damaged or missing is derived data: it is rebuilt from its pack's trailer and written back (logged
 * `pack_index_rebuilt`). A pack that cannot be fully recovered never stops the rebuild: its intact
 * entries are loaded, and it is logged (`pack_unreadable`) and listed in `unreadable`. A pack without
 * an index and without a trailer is an old pack whose writer crashed before indexing it: nothing refers
 * to it (logged `pack_not_indexed`).
 */
export async function rebuildChunkIndex(store: ObjectStore, index: ChunkIndex, concurrency = 8, log: StorageLog = () => {}): Promise<RebuildStats> {
  const stats: RebuildStats = { packs: 0, entries: 0, rebuilt: 0, unreadable: [] };
  const packs = new Set<string>();
  const indexed = new Set<string>();
  for await (const key of listAll(store, PACK_PREFIX)) {
    const packId = packIdOfIndexKey(key);
    if (packId !== undefined) indexed.add(packId);
    else packs.add(key.slice(PACK_PREFIX.length));
  }
  const add = async (packId: string, entries: readonly PackEntry[]) => {
    await index.addPack(packId, entries);
    stats.packs++;
    stats.entries += entries.length;
  };
  const load = async (packId: string): Promise<void> => {
    if (await index.hasPack(packId)) return;
    if (!packs.has(packId)) {
      // Lost from the store (a writer puts the pack before its index): not indexed, so writers store its chunks anew.
      const reason = 'the pack is missing from the object store (its index object is there)';
      stats.unreadable.push({ pack: packKey(packId), reason });
      log('error', 'pack_unreadable', { pack: packKey(packId), reason, intactEntries: 0, message: 'files whose data was in this pack cannot be read (tusk fsck names them); putting them again stores their data anew, and tusk gc removes the index object' });
      return;
    }
    let why = 'its index object is missing';
    if (indexed.has(packId)) {
      const key = packIndexKey(packId);
      try {
        return await add(packId, decodePackIndex(await getBytes(store, key), packId, key));
      } catch (err) {
        if (!isTuskError(err) || (err.code !== 'CorruptObject' && err.code !== 'ObjectNotFound')) throw err;
        why = `its index object is damaged: ${err.message}`;
      }
    }
    const recovered = await recoverPackIndex(store, packId);
    if (recovered.ok) {
      await store.put(packIndexKey(packId), encodePackIndex(recovered.entries));
      await add(packId, recovered.entries);
      stats.rebuilt++;
      log('warn', 'pack_index_rebuilt', { pack: packKey(packId), why, entries: recovered.entries.length });
      return;
    }
    if (!indexed.has(packId) && recovered.entries.length === 0) {
      log('info', 'pack_not_indexed', { pack: packKey(packId), reason: `${why} and ${recovered.reason}; no commit refers to a pack that was never indexed` });
      return;
    }
    if (recovered.entries.length > 0) await add(packId, recovered.entries);
    const reason = `${why}, and it cannot be rebuilt: ${recovered.reason}`;
    stats.unreadable.push({ pack: packKey(packId), reason });
    log('error', 'pack_unreadable', { pack: packKey(packId), reason, intactEntries: recovered.entries.length, message: 'files whose data is in this pack cannot be read; everything else is served' });
  };
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  for (const packId of new Set([...indexed, ...packs])) {
    if (failure) break;
    const task = load(packId).catch((error: unknown) => {
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
