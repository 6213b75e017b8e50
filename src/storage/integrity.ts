// Integrity checks of stored entries (chunks and blobs) for fsck: each entry
// is read back from its pack and checked against its sha256, and every
// problem is named (the pack, missing or corrupt, and why) instead of
// stopping at the first. Entries of one pack are read with few ranged gets
// (back-to-back entries together, up to MAX_READ bytes); a pack that is gone
// makes each of its entries missing, unless the chunk index knows the chunk
// in another pack (a pack rewritten by the garbage collector), which is then
// checked instead.
import { createHash } from 'node:crypto';
import { isTuskError } from '../errors/index.js';
import type { ChunkIndex } from './chunk-index.js';
import type { ChunkRef } from './content.js';
import { listAll, type ObjectStore } from './object-store.js';
import { PACK_PREFIX, packIdOfIndexKey, packKey } from './pack-format.js';

export interface EntryProblem {
  /** The object at fault: `packs/<id>`. */
  object: string;
  problem: 'missing' | 'corrupt';
  reason: string;
}

export interface EntryCheck {
  /** Problems by entryKey(ref); entries not listed are intact. */
  problems: Map<string, EntryProblem>;
  entries: number;
  bytes: number;
}

const MAX_READ = 8 * 1024 * 1024;

/** The identity of a stored entry: where it is and what it must hash to. */
export function entryKey(ref: ChunkRef): string {
  return `${ref.pack}:${ref.offset}:${ref.size}:${ref.hash}`;
}

/** Reads back every entry in `refs` (duplicates checked once) and reports the missing and corrupt ones. */
export async function checkEntries(objects: ObjectStore, index: ChunkIndex, refs: Iterable<ChunkRef>): Promise<EntryCheck> {
  const byPack = new Map<string, Map<string, ChunkRef>>();
  for (const ref of refs) {
    const pack = byPack.get(ref.pack) ?? new Map<string, ChunkRef>();
    pack.set(entryKey(ref), ref);
    byPack.set(ref.pack, pack);
  }
  const present = await listPacks(objects);
  const check: EntryCheck = { problems: new Map(), entries: 0, bytes: 0 };
  for (const [pack, entries] of byPack) {
    const sorted = [...entries.values()].sort((a, b) => a.offset - b.offset);
    check.entries += sorted.length;
    if (!present.has(pack)) {
      for (const ref of sorted) await checkMoved(objects, index, ref, check);
      continue;
    }
    for (const group of groups(sorted)) await checkGroup(objects, group, check);
  }
  return check;
}

async function listPacks(objects: ObjectStore): Promise<Set<string>> {
  const packs = new Set<string>();
  for await (const key of listAll(objects, PACK_PREFIX)) if (packIdOfIndexKey(key) === undefined) packs.add(key.slice(PACK_PREFIX.length));
  return packs;
}

/** Runs of entries that lie back to back (or overlap), each read at most MAX_READ bytes long. */
function* groups(sorted: ChunkRef[]): Iterable<ChunkRef[]> {
  let group: ChunkRef[] = [];
  let start = 0;
  let end = 0;
  for (const ref of sorted) {
    if (group.length > 0 && (ref.offset > end || Math.max(end, ref.offset + ref.size) - start > MAX_READ)) {
      yield group;
      group = [];
    }
    if (group.length === 0) [start, end] = [ref.offset, ref.offset + ref.size];
    else end = Math.max(end, ref.offset + ref.size);
    group.push(ref);
  }
  if (group.length > 0) yield group;
}

async function checkGroup(objects: ObjectStore, group: ChunkRef[], check: EntryCheck): Promise<void> {
  const start = group[0]!.offset;
  const end = Math.max(...group.map((r) => r.offset + r.size));
  let bytes: Uint8Array;
  try {
    bytes = await objects.getRange(packKey(group[0]!.pack), start, end - start);
  } catch (err) {
    if (!isTuskError(err) || (err.kind !== 'not_found' && err.kind !== 'data_loss')) throw err;
    for (const ref of group) check.problems.set(entryKey(ref), { object: packKey(ref.pack), problem: err.kind === 'not_found' ? 'missing' : 'corrupt', reason: err.message });
    return;
  }
  for (const ref of group) {
    const entry = bytes.subarray(Math.min(ref.offset - start, bytes.length), Math.min(ref.offset - start + ref.size, bytes.length));
    check.bytes += entry.length;
    const problem = verdict(ref, entry);
    if (problem) check.problems.set(entryKey(ref), problem);
  }
}

/** An entry whose pack is gone: intact if the index knows the same bytes (by hash) in another pack that checks out. */
async function checkMoved(objects: ObjectStore, index: ChunkIndex, ref: ChunkRef, check: EntryCheck): Promise<void> {
  const missing: EntryProblem = { object: packKey(ref.pack), problem: 'missing', reason: `pack ${packKey(ref.pack)} is not in the object store` };
  const moved = await index.lookup('chunk', ref.hash);
  if (!moved || moved.pack === ref.pack) {
    check.problems.set(entryKey(ref), missing);
    return;
  }
  const sub: EntryCheck = { problems: new Map(), entries: 0, bytes: 0 };
  await checkGroup(objects, [moved], sub);
  check.bytes += sub.bytes;
  if (sub.problems.size > 0) check.problems.set(entryKey(ref), missing);
}

function verdict(ref: ChunkRef, bytes: Uint8Array): EntryProblem | undefined {
  if (bytes.length !== ref.size) return { object: packKey(ref.pack), problem: 'corrupt', reason: `entry at offset ${ref.offset}: expected ${ref.size} bytes, found ${bytes.length} (truncated pack)` };
  if (createHash('sha256').update(bytes).digest('hex') !== ref.hash) return { object: packKey(ref.pack), problem: 'corrupt', reason: `entry at offset ${ref.offset}: sha256 mismatch` };
  return undefined;
}
