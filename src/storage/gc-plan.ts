// The pure core of garbage collection: the mark set (what the roots reach),
// and the sweep decision for every pack that existed before marking began:
// delete it (nothing in it is live), rewrite it (its dead share reaches the
// threshold: copy the live entries to a new pack, then remove it), or keep it.
// A protected pack (touched by a writer since the oldest lease in flight
// began, see gc-journal.ts) is always kept. No I/O here.
import type { PackEntry } from './pack-format.js';

/** What the roots reach: chunk hashes and blob IDs (tree nodes and ref-list blobs). */
export interface MarkSet {
  chunks: Set<string>;
  blobs: Set<string>;
}

export function emptyMark(): MarkSet {
  return { chunks: new Set(), blobs: new Set() };
}

export function isLive(mark: MarkSet, entry: PackEntry): boolean {
  return entry.kind === 'chunk' ? mark.chunks.has(entry.key) : mark.blobs.has(entry.key);
}

/** One pack as the collector found it: its entries (from its index object) and its stored bytes (pack + index). */
export interface PackSummary {
  pack: string;
  bytes: number;
  entries: PackEntry[];
}

export interface PackVerdict {
  pack: string;
  bytes: number;
  entries: PackEntry[];
  liveBytes: number;
  deadBytes: number;
}

export interface SweepPlan {
  /** Packs with no live entry: removed. */
  remove: PackVerdict[];
  /** Packs whose dead share reached the threshold: their live entries are copied, then they are removed. */
  rewrite: PackVerdict[];
  /** Live entries to copy into new packs (each key once; none that a kept pack holds already). */
  copy: PackEntry[];
  /** Live entries of kept packs whose key was also in a removed or rewritten pack: the chunk index must name these. */
  reindex: PackEntry[];
  kept: number;
  protectedKept: number;
  /** Bytes of the removed and rewritten packs, and of the entries copied out of them. */
  bytesRemoved: number;
  bytesCopied: number;
}

/**
 * Decides the fate of each pack. `threshold` is the dead share of a pack's
 * entry bytes at or above which a pack that still holds live entries is
 * rewritten (0.5: half dead; 1 never rewrites, 0 rewrites every pack with a dead byte).
 */
export function planSweep(packs: readonly PackSummary[], mark: MarkSet, protectedPacks: ReadonlySet<string>, threshold: number): SweepPlan {
  const plan: SweepPlan = { remove: [], rewrite: [], copy: [], reindex: [], kept: 0, protectedKept: 0, bytesRemoved: 0, bytesCopied: 0 };
  const keptKeys = new Map<string, PackEntry>();
  const keep = (p: PackSummary) => {
    for (const e of p.entries) if (isLive(mark, e) && !keptKeys.has(entryId(e))) keptKeys.set(entryId(e), e);
  };
  for (const p of packs) {
    let liveBytes = 0;
    let deadBytes = 0;
    for (const e of p.entries) {
      if (isLive(mark, e)) liveBytes += e.ref.size;
      else deadBytes += e.ref.size;
    }
    const verdict: PackVerdict = { pack: p.pack, bytes: p.bytes, entries: p.entries, liveBytes, deadBytes };
    if (protectedPacks.has(p.pack)) {
      plan.kept++;
      plan.protectedKept++;
      keep(p);
    } else if (liveBytes === 0) {
      plan.remove.push(verdict);
      plan.bytesRemoved += p.bytes;
    } else if (deadBytes > 0 && deadBytes >= threshold * (liveBytes + deadBytes)) {
      plan.rewrite.push(verdict);
      plan.bytesRemoved += p.bytes;
    } else {
      plan.kept++;
      keep(p);
    }
  }
  const copied = new Set<string>();
  const reindexed = new Set<string>();
  for (const v of plan.rewrite) {
    for (const e of v.entries) {
      if (!isLive(mark, e)) continue;
      const id = entryId(e);
      const kept = keptKeys.get(id);
      if (kept) {
        if (!reindexed.has(id)) plan.reindex.push(kept);
        reindexed.add(id);
      } else if (!copied.has(id)) {
        copied.add(id);
        plan.copy.push(e);
        plan.bytesCopied += e.ref.size;
      }
    }
  }
  return plan;
}

function entryId(e: PackEntry): string {
  return `${e.kind}:${e.key}`;
}
