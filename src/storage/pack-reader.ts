// Reads entries (chunks, blobs) back out of packs. Every entry is checked
// against its sha256 before anyone sees it: a truncated or damaged pack is a
// CorruptObject naming the pack, never data.
import { createHash } from 'node:crypto';
import { CorruptObject } from '../errors/index.js';
import type { ChunkRef } from './content.js';
import type { ObjectStore } from './object-store.js';
import { packKey } from './pack-format.js';

/** Throws CorruptObject unless `bytes` are exactly the entry `ref` describes. */
export function verifyEntry(ref: ChunkRef, bytes: Uint8Array): void {
  checkEntry(ref, bytes.length, () => createHash('sha256').update(bytes).digest('hex'));
}

/**
 * Throws CorruptObject unless `length` (the bytes found) is the entry's size
 * and `hash()` (their sha256, hex; computed only if the size is right) its hash.
 */
export function checkEntry(ref: ChunkRef, length: number, hash: () => string): void {
  if (length !== ref.size) {
    throw new CorruptObject(packKey(ref.pack), `entry ${ref.hash} at offset ${ref.offset}: expected ${ref.size} bytes, got ${length} (truncated pack)`);
  }
  if (hash() !== ref.hash) {
    throw new CorruptObject(packKey(ref.pack), `entry ${ref.hash} at offset ${ref.offset}: sha256 mismatch`);
  }
}

/**
 * Reads entries of one pack, in offset order, with a single ranged get from the
 * first to the end of the last (bytes between entries are read and skipped),
 * verifying each. Throws ObjectNotFound if the pack is missing, CorruptObject
 * if an entry is damaged or cut short.
 */
export async function readEntries(objects: ObjectStore, refs: readonly ChunkRef[]): Promise<Uint8Array[]> {
  if (refs.length === 0) return [];
  const first = refs[0]!;
  const last = refs[refs.length - 1]!;
  const bytes = await objects.getRange(packKey(first.pack), first.offset, last.offset + last.size - first.offset);
  return refs.map((ref) => {
    const at = ref.offset - first.offset;
    const entry = bytes.subarray(Math.min(at, bytes.length), Math.min(at + ref.size, bytes.length));
    verifyEntry(ref, entry);
    return entry;
  });
}
