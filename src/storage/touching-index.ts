// A chunk index as writers see it: every dedup question answered "yes"
// (lookup, has), every pack announced before it is written, and every pack added touches that pack in the collector's
// journal, so a collection running meanwhile keeps it (gc-journal.ts). Readers
// use the plain index: reading a pack is not a reason to keep it.
import type { ChunkIndex } from './chunk-index.js';
import type { ChunkRef } from './content.js';
import type { GcJournal } from './gc-journal.js';
import type { EntryKind, PackEntry } from './pack-format.js';

export class TouchingIndex implements ChunkIndex {
  constructor(private readonly inner: ChunkIndex, private readonly journal: GcJournal) {}

  async lookup(kind: EntryKind, key: string): Promise<ChunkRef | undefined> {
    const ref = await this.inner.lookup(kind, key);
    if (ref) this.journal.touch(ref.pack);
    return ref;
  }

  async has(kind: EntryKind, key: string): Promise<boolean> {
    return (await this.lookup(kind, key)) !== undefined;
  }

  async addPack(packId: string, entries: readonly PackEntry[]): Promise<void> {
    this.journal.touch(packId);
    await this.inner.addPack(packId, entries);
  }

  announce(packId: string): void {
    this.journal.touch(packId);
  }

  hasPack(packId: string): Promise<boolean> {
    return this.inner.hasPack(packId);
  }

  forgetPack(packId: string, entries: readonly PackEntry[]): Promise<void> {
    return this.inner.forgetPack(packId, entries);
  }
}
