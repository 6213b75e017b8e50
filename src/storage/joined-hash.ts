// The content hash of a large file joined from pieces that were each cut on
// their own (the parts of a multipart upload, each written by a session of
// its own), without reading the whole file back.
//
// The file's hash needs the chunks the store would cut from the file itself
// (content.ts), and those differ from the pieces' chunks only near the seams:
// a cut depends only on the bytes since the previous cut (chunker.ts), so from
// any position that is a cut of both the file and a piece, the two agree on
// every cut up to the piece's end, where the piece was cut because it ended.
// So the file's chunks are taken from the pieces' references (their sha256 is
// in them), and only from the last common cut before each seam to the next
// common cut after it are the bytes read, cut and hashed again: a few chunks
// per seam instead of the whole file.
import { createHash } from 'node:crypto';
import { ChunkScanner, type ChunkParams } from './chunker.js';
import { chunkListHash, type DataRef } from './content.js';

/** Reads `length` bytes of the joined file from `offset` (the store verifies what it reads). */
export type ReadJoined = (offset: number, length: number) => Promise<Uint8Array>;

interface PieceChunk {
  start: number;
  end: number;
  hash: string;
  /** Its end is a cut its piece made within its bytes (or the file's end), not the cut at the piece's end. */
  cutWithin: boolean;
}

/**
 * The references covering bytes [offset, offset + length) of the file made of `pieces`, trimmed to
 * them, found by binary search: a read of the joined file itself walks its references from the
 * first on, so reading near every seam of a file of many parts was quadratic in its size (1 GiB as
 * 128 parts of 8 MiB: ~1.2 CPU-s to complete the upload).
 */
export function rangeRefs(pieces: readonly (readonly DataRef[])[]): (offset: number, length: number) => DataRef[] {
  const refs = pieces.flat();
  const starts = new Array<number>(refs.length + 1);
  starts[0] = 0;
  for (let i = 0; i < refs.length; i++) starts[i + 1] = starts[i]! + refs[i]!.length;
  return (offset, length) => {
    const end = Math.min(offset + length, starts[refs.length]!);
    let lo = 0;
    let hi = refs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid + 1]! <= offset) lo = mid + 1;
      else hi = mid;
    }
    const out: DataRef[] = [];
    for (let i = lo; i < refs.length && starts[i]! < end; i++) {
      const r = refs[i]!;
      const from = Math.max(offset, starts[i]!) - starts[i]!;
      const to = Math.min(end, starts[i + 1]!) - starts[i]!;
      if (to > from) out.push({ chunk: r.chunk, start: r.start + from, length: to - from });
    }
    return out;
  };
}

/** Whether every reference is a whole chunk: what a piece cut on its own is made of. */
export function wholeChunks(refs: readonly DataRef[]): boolean {
  return refs.every((r) => r.start === 0 && r.length === r.chunk.size);
}

/**
 * The chunk-list hash (content.ts) of the file made of `pieces` in order. Each
 * piece must be made of whole chunks cut from its own first byte with `params`
 * (a session of its own cut it), else the hash is wrong: callers check that.
 */
export async function joinedChunkListHash(pieces: readonly (readonly DataRef[])[], params: ChunkParams, read: ReadJoined): Promise<string> {
  const chunks: PieceChunk[] = [];
  let size = 0;
  for (const refs of pieces) {
    const first = chunks.length;
    for (const r of refs) {
      chunks.push({ start: size, end: size + r.length, hash: r.chunk.hash, cutWithin: true });
      size += r.length;
    }
    if (chunks.length > first) chunks[chunks.length - 1]!.cutWithin = false;
  }
  if (chunks.length > 0) chunks[chunks.length - 1]!.cutWithin = true; // the file ends there too
  const hashes: string[] = [];
  let pos = 0; // always a cut of the file
  let k = 0;
  while (pos < size) {
    while (k < chunks.length && chunks[k]!.start < pos) k++;
    const c = chunks[k];
    if (c && c.start === pos && c.cutWithin) {
      hashes.push(c.hash);
      pos = c.end;
      k++;
      continue;
    }
    // Off the pieces' cuts, or at a piece's last chunk: cut the file's own next chunk from its bytes.
    const bytes = await read(pos, Math.min(params.maxSize, size - pos));
    let cut = new ChunkScanner(params).scan(bytes, 0, bytes.length);
    if (cut < 0) cut = bytes.length; // no cut before the file ends
    hashes.push(createHash('sha256').update(bytes.subarray(0, cut)).digest('hex'));
    pos += cut;
  }
  return chunkListHash(size, hashes);
}
