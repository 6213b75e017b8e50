// Content-defined chunking: where a byte stream is cut into chunks. Pure code,
// no I/O. FastCDC-style: a gear rolling hash (h = 2h + GEAR[byte], 32 bits, so
// bit k depends on the last k+1 bytes) is tested against a bit mask after each
// byte; a cut falls after a byte whose hash has all masked bits zero. Bytes
// closer than `minSize` to the chunk start are skipped without hashing (the
// main speed-up of FastCDC), and normalized chunking (level 2) uses a mask two
// bits stricter before `avgSize` and two bits looser after it, which narrows
// the size distribution around the average; `maxSize` forces a cut.
//
// Because cuts depend only on the bytes since the previous cut, an insert or a
// change moves only the cuts near it: the chunks after the next unchanged cut
// are the same chunks as before, which is what deduplication relies on.
//
// The gear table comes from a fixed-seed PRNG written out here, so boundaries
// never change between versions of Tusk (a test pins them).

export interface ChunkParams {
  /** No cut closer than this to the chunk start (except at the end of the stream). */
  minSize: number;
  /** Target average; a power of two. */
  avgSize: number;
  /** A cut is forced here. */
  maxSize: number;
}

/**
 * 16 KiB / 64 KiB / 256 KiB. Measured with bench/dedup.ts (1 GiB of random
 * data, then a copy with 100 inserts of 107 KB, 1% of the file): the mean chunk
 * is ~73 KiB and the copy stores 2.6% new bytes where restic's 1 MiB chunks
 * store 17.9%; an insert costs its own bytes plus ~2.5 chunks around it.
 * Halving every size would roughly halve that overhead (the inserted 1% is a
 * floor either way) but doubles chunks, index entries and slices per file,
 * and the per-chunk work that bench/chunking.ts measures; doubling them
 * loses dedup. (Level 1 normalization resyncs a little sooner after an insert,
 * ~120 vs ~175 KiB per insert in a 16 MiB experiment, with a wider spread of
 * sizes; we keep level 2.)
 */
export const DEFAULT_CHUNK_PARAMS: Readonly<ChunkParams> = Object.freeze({
  minSize: 16 * 1024,
  avgSize: 64 * 1024,
  maxSize: 256 * 1024,
});

/** mulberry32: a small, well-mixed 32-bit PRNG; only used to fill the gear table. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) | 0;
  };
}

/** The seed is ASCII "tusk". Changing it (or the PRNG) changes every chunk boundary: never do that. */
const GEAR_SEED = 0x7475736b;

export const GEAR: Int32Array = (() => {
  const next = mulberry32(GEAR_SEED);
  const table = new Int32Array(256);
  for (let i = 0; i < 256; i++) table[i] = next();
  return table;
})();

/** A mask of the `bits` highest bits of a 32-bit hash (the bits that depend on the most bytes). */
function topBits(bits: number): number {
  return bits >= 32 ? -1 : (~0 << (32 - bits)) | 0;
}

/** The looser of the two masks (the one used from `avgSize` on): a byte can end a chunk only where its hash has none of these bits. */
export function loosestMask(params: ChunkParams): number {
  return topBits(Math.log2(params.avgSize) - 2);
}

/** The masks a scan tests before `avgSize` (two bits stricter) and from there on (two bits looser). */
export function scanMasks(params: ChunkParams): { small: number; large: number } {
  return { small: topBits(Math.log2(params.avgSize) + 2), large: loosestMask(params) };
}

export function checkChunkParams(p: ChunkParams): void {
  const { minSize, avgSize, maxSize } = p;
  const ok =
    Number.isInteger(minSize) && Number.isInteger(avgSize) && Number.isInteger(maxSize) &&
    minSize >= 1 && minSize < avgSize && avgSize < maxSize && (avgSize & (avgSize - 1)) === 0 && avgSize >= 64;
  if (!ok) throw new RangeError(`chunk sizes must satisfy 1 <= min < avg < max with avg a power of two >= 64, got ${minSize}/${avgSize}/${maxSize}`);
}

/**
 * The inner loop of the scan: hashes buf[i, maxStop) from hash `h`, testing
 * `maskSmall` below `avgStop` and `maskLarge` from there on. Returns the index
 * just past the first byte whose hash has no masked bit set, or -1 if none
 * does; `hash` then holds the hash after the last byte. gear-kernel.ts has a
 * WebAssembly equivalent that cuts at exactly the same places.
 */
export interface GearLoop {
  run(buf: Uint8Array, i: number, avgStop: number, maxStop: number, h: number, maskSmall: number, maskLarge: number): number;
  readonly hash: number;
}

export class JsGearLoop implements GearLoop {
  hash = 0;

  run(buf: Uint8Array, i: number, avgStop: number, maxStop: number, h: number, maskSmall: number, maskLarge: number): number {
    const gear = GEAR;
    for (; i < avgStop; i++) {
      h = ((h << 1) + gear[buf[i]!]!) | 0;
      if ((h & maskSmall) === 0) return i + 1;
    }
    for (; i < maxStop; i++) {
      h = ((h << 1) + gear[buf[i]!]!) | 0;
      if ((h & maskLarge) === 0) return i + 1;
    }
    this.hash = h;
    return -1;
  }
}

/** A scan's state: the bytes of the current chunk seen so far and the rolling hash after them. */
export interface ScanState {
  length: number;
  hash: number;
}

/**
 * Finds cuts in a stream fed piece by piece. It keeps only the position inside
 * the current chunk and the rolling hash, so the cuts are the same however the
 * stream is split into pieces.
 */
export class ChunkScanner {
  private readonly min: number;
  private readonly avg: number;
  private readonly max: number;
  private readonly maskSmall: number;
  private readonly maskLarge: number;
  private hash = 0;
  private length = 0;

  constructor(params: ChunkParams = DEFAULT_CHUNK_PARAMS, private readonly loop: GearLoop = new JsGearLoop()) {
    checkChunkParams(params);
    this.min = params.minSize;
    this.avg = params.avgSize;
    this.max = params.maxSize;
    const masks = scanMasks(params);
    this.maskSmall = masks.small;
    this.maskLarge = masks.large;
  }

  /** Bytes of the current (not yet cut) chunk seen so far. */
  get pending(): number {
    return this.length;
  }

  /** Where the scan stands: what the cuts of the bytes after depend on (besides those bytes). */
  get state(): ScanState {
    return { length: this.length, hash: this.hash };
  }

  /** Takes up the scan from a state (one a scan of the same bytes reached elsewhere, see gear-scan.ts). */
  resume(state: ScanState): void {
    this.length = state.length;
    this.hash = state.hash;
  }

  /** Forgets the current chunk: the next byte starts a new one (used for a cut the caller forces). */
  reset(): void {
    this.hash = 0;
    this.length = 0;
  }

  /**
   * Scans buf[start, end). Returns the index just past the last byte of the
   * current chunk if a cut falls in this range (the scanner then starts a new
   * chunk there; call again from that index), or -1 if the whole range belongs
   * to the current chunk.
   */
  scan(buf: Uint8Array, start: number, end: number): number {
    const cs = start - this.length; // where the current chunk began, in buf's coordinates
    let i = start;
    let h = this.hash;
    const minPos = cs + this.min;
    if (i < minPos) {
      if (end <= minPos) {
        this.length += end - start;
        return -1;
      }
      i = minPos; // FastCDC: no cut can fall here, so skip hashing
      h = 0;
    }
    const maxPos = cs + this.max;
    const maxStop = Math.min(maxPos, end);
    const cut = this.loop.run(buf, i, Math.min(cs + this.avg, end), maxStop, h, this.maskSmall, this.maskLarge);
    if (cut >= 0) return this.cut(cut);
    if (maxStop === maxPos) return this.cut(maxPos);
    this.hash = this.loop.hash;
    this.length = end - cs;
    return -1;
  }

  private cut(at: number): number {
    this.hash = 0;
    this.length = 0;
    return at;
  }
}

/**
 * The cut positions of one whole buffer: the end offset of every chunk, the
 * last one being `buf.length` (unless the buffer is empty).
 */
export function chunkBoundaries(buf: Uint8Array, params: ChunkParams = DEFAULT_CHUNK_PARAMS): number[] {
  const scanner = new ChunkScanner(params);
  const cuts: number[] = [];
  let at = 0;
  while (at < buf.length) {
    const cut = scanner.scan(buf, at, buf.length);
    if (cut < 0) break;
    cuts.push(cut);
    at = cut;
  }
  if (cuts.length === 0 ? buf.length > 0 : cuts[cuts.length - 1] !== buf.length) cuts.push(buf.length);
  return cuts;
}

/**
 * Splits a stream of buffers into chunks. A chunk that lies inside one input
 * buffer is yielded as a view of it (no copy); only a chunk spanning buffers is
 * assembled into new memory.
 */
export function* chunkBuffers(source: Iterable<Uint8Array>, params: ChunkParams = DEFAULT_CHUNK_PARAMS): Generator<Uint8Array> {
  const scanner = new ChunkScanner(params);
  let carry: Uint8Array[] = [];
  let carried = 0;
  for (const buf of source) {
    let at = 0;
    while (at < buf.length) {
      const cut = scanner.scan(buf, at, buf.length);
      if (cut < 0) {
        carry.push(buf.subarray(at));
        carried += buf.length - at;
        break;
      }
      const piece = buf.subarray(at, cut);
      if (carried === 0) yield piece;
      else {
        yield concat([...carry, piece], carried + piece.length);
        carry = [];
        carried = 0;
      }
      at = cut;
    }
  }
  if (carried > 0) yield carry.length === 1 ? carry[0]! : concat(carry, carried);
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
