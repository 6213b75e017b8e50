// Rebuilding a pack's index object from the pack itself. A pack ends with a
// trailer holding a copy of its index (pack-format.ts); recovering reads that
// copy, checks that every entry it lists is in the pack and matches its
// sha256 (one streaming pass over the pack), and says which entries are good.
// A pack without a trailer (written before trailers existed), with a damaged
// trailer or with damaged entries cannot be fully recovered: the caller keeps
// serving what is good and reports the rest.
import { createHash, type Hash } from 'node:crypto';
import { isTuskError } from '../errors/index.js';
import type { ObjectStore } from './object-store.js';
import { decodePackIndex, decodeTrailerFooter, packKey, TRAILER_FOOTER_BYTES, type PackEntry } from './pack-format.js';

export type PackRecovery =
  /** Every entry of the trailer is in the pack, intact. */
  | { ok: true; entries: PackEntry[] }
  /** Why the pack cannot be fully recovered, and the entries that are good nonetheless. */
  | { ok: false; reason: string; entries: PackEntry[] };

/** Reads the pack's trailer and verifies its entries. Throws only when the store cannot be read (StorageUnavailable, ...). */
export async function recoverPackIndex(store: ObjectStore, packId: string): Promise<PackRecovery> {
  const key = packKey(packId);
  const size = await store.size(key);
  if (size === undefined) return { ok: false, reason: 'the pack is missing', entries: [] };
  const footerAt = size - TRAILER_FOOTER_BYTES;
  const indexLength = footerAt >= 0 ? decodeTrailerFooter(await store.getRange(key, footerAt, TRAILER_FOOTER_BYTES)) : undefined;
  if (indexLength === undefined || indexLength > footerAt) {
    return { ok: false, reason: 'the pack has no index trailer to rebuild from (written by an older Tusk, or its end is damaged)', entries: [] };
  }
  const bodyEnd = footerAt - indexLength;
  let listed: PackEntry[];
  try {
    listed = decodePackIndex(await store.getRange(key, bodyEnd, indexLength), packId, key);
  } catch (err) {
    if (isTuskError(err) && err.code === 'CorruptObject') return { ok: false, reason: `its index trailer is damaged (${(err as Error).message})`, entries: [] };
    throw err;
  }
  const damaged = await damagedEntries(store, key, listed, bodyEnd);
  const entries = listed.filter((e) => !damaged.has(e));
  if (damaged.size === 0) return { ok: true, entries };
  return { ok: false, reason: `${damaged.size} of its ${listed.length} entries are damaged (sha256 mismatch or cut short)`, entries };
}

/** The entries whose bytes in the pack (before `bodyEnd`) do not match their sha256; one pass over the pack. */
async function damagedEntries(store: ObjectStore, key: string, entries: readonly PackEntry[], bodyEnd: number): Promise<Set<PackEntry>> {
  const sorted = [...entries].sort((a, b) => a.ref.offset - b.ref.offset);
  const bad = new Set<PackEntry>(sorted.filter((e) => e.ref.offset + e.ref.size > bodyEnd));
  const todo = sorted.filter((e) => !bad.has(e));
  let i = 0;
  let pos = 0;
  let hash: Hash | undefined;
  const settle = () => {
    // Entries that end here (zero-length ones included) are complete: check them.
    while (i < todo.length && todo[i]!.ref.offset + todo[i]!.ref.size <= pos) {
      const e = todo[i++]!;
      const digest = (hash ?? createHash('sha256')).digest('hex');
      hash = undefined;
      if (e.ref.offset + e.ref.size < pos || digest !== e.ref.hash) bad.add(e);
    }
  };
  settle();
  if (i < todo.length) {
    for await (const chunk of await store.get(key)) {
      let at = 0;
      while (at < chunk.length && i < todo.length) {
        const e = todo[i]!;
        if (pos < e.ref.offset) {
          const skip = Math.min(e.ref.offset - pos, chunk.length - at);
          pos += skip;
          at += skip;
          continue;
        }
        const take = Math.min(e.ref.offset + e.ref.size - pos, chunk.length - at);
        (hash ??= createHash('sha256')).update(chunk.subarray(at, at + take));
        pos += take;
        at += take;
        settle();
      }
      if (i >= todo.length) break;
    }
  }
  for (; i < todo.length; i++) bad.add(todo[i]!);
  return bad;
}
