// Young-generation collections paced by the request bodies the gateway reads.
//
// Node's HTTP parser copies every piece of a body (up to 64 KiB) into a fresh
// Buffer, whose memory V8 counts as external. The gateway's path makes little
// JavaScript garbage per byte (the bytes go into shared slab memory and the
// hashing runs on other threads), so while a large upload streams the young
// generation hardly fills and scavenges almost never run: the dead pieces
// stay counted until a mark-compact. V8 adds external memory allocated since
// the last mark-compact to the old generation's size, and with the daemon's
// old-generation growth of 1.5x (bin/tuskd) on a live heap of ~20 MB, ~10 MB
// of body pieces started the next full collection: 15-18 mark-compacts per
// 256 MiB uploaded (their marking ~1.5 CPU-s/GiB). A scavenge every few MiB
// of body frees the pieces while they are young and cheap to drop (measured:
// 4-6 mark-compacts per 256 MiB, ~0.35 CPU-s less; the scavenges cost little,
// the young generation holds little).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Body bytes between two young collections. */
export const YOUNG_COLLECTION_BYTES = 4 * 1024 * 1024;

export class YoungCollector {
  private bytes = 0;

  /** `collect` runs one young-generation collection (default: V8's, when it can be had; else nothing is done). */
  constructor(private readonly every = YOUNG_COLLECTION_BYTES, private readonly collect: (() => void) | undefined = minorCollection()) {}

  /** Counts `n` bytes of a body read; collects the young generation after every `every` bytes. (Bound: pass it as a callback.) */
  readonly read = (n: number): void => {
    this.bytes += n;
    if (this.bytes < this.every) return;
    this.bytes = 0;
    this.collect?.();
  };
}

/**
 * V8's young-generation collection, as `gc({ type: 'minor' })` from a context
 * of its own (the flag is set only while that context is made, so the
 * daemon's own global scope gets no `gc`); undefined if V8 refuses.
 */
function minorCollection(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? () => (gc as (options: { type: 'minor' }) => void)({ type: 'minor' }) : undefined;
  } catch {
    return undefined;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}
