// The vocabulary of stored content: where a chunk lives inside a pack object,
// slices of chunks that make up a file, and the content descriptor a file tree
// keeps for each file, with the definition of a file's content hash. Plain
// data, no I/O.
import { createHash } from 'node:crypto';

/** A chunk's location: `size` bytes at `offset` inside pack object `pack`; `hash` is the sha256 (hex) of those bytes. */
export interface ChunkRef {
  hash: string;
  pack: string;
  offset: number;
  size: number;
}

/** A slice of a chunk: `length` bytes starting `start` bytes into the chunk. */
export interface DataRef {
  chunk: ChunkRef;
  start: number;
  length: number;
}

/**
 * What a file's bytes are. `hash` is the file's content hash (see
 * CHUNK_LIST_HASH_MIN): the sha256 (hex) of its bytes for a file under 1 MiB, the
 * chunk-list hash of its chunks for a larger one. Either `refs` holds the slices inline, or
 * (for very large files) `indirect` lists blob IDs of ref-list blobs whose
 * concatenation is the slice list.
 */
export interface FileContent {
  size: number;
  hash: string;
  refs?: DataRef[];
  indirect?: string[];
}

/** sha256 of the empty string: the content hash of an empty file. */
export const EMPTY_HASH = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/**
 * Files of at least this many bytes are hashed from their chunks rather than
 * their bytes, so writing one costs one sha256 pass per byte (each chunk's),
 * not two. Their content hash is `chunkListHash`: the SHA3-256 of a domain tag,
 * the size and the sha256 of each chunk, in order, where the chunks are the
 * ones the store's content-defined chunking cuts from the file on its own
 * (every writer cuts a file this large at its first and after its last byte).
 * A smaller file's content hash is the sha256 of its bytes, as it always was.
 * Stores written before this rule hashed large files by their bytes too: see
 * sameBytes for comparing across it.
 */
export const CHUNK_LIST_HASH_MIN = 1024 * 1024;

/** Whether the content hash of a file of `size` bytes is the sha256 of its bytes. */
export function isByteHash(size: number): boolean {
  return size < CHUNK_LIST_HASH_MIN;
}

/** The first bytes chunkListHash hashes. */
export const CHUNK_LIST_TAG = Buffer.from('tusk chunk-list sha3-256 v1\n');

/**
 * The content hash of a file of `size` bytes (at least CHUNK_LIST_HASH_MIN) made of
 * the chunks whose sha256 (hex) are `chunks`, in order. SHA3-256, not sha256:
 * the bytes it hashes are short enough to be a small file, whose content hash
 * is the sha256 of its bytes, so with sha256 a file holding exactly those bytes
 * would get the large file's hash (and reuse its datums' results). Equal
 * outputs of two different hash functions cannot be found.
 */
export function chunkListHash(size: number, chunks: Iterable<string>): string {
  const h = createHash('sha3-256').update(CHUNK_LIST_TAG);
  const head = Buffer.alloc(8);
  head.writeBigUInt64BE(BigInt(size));
  h.update(head);
  for (const hex of chunks) h.update(Buffer.from(hex, 'hex'));
  return h.digest('hex');
}

/**
 * Whether two contents hold the same bytes, as far as their descriptors tell:
 * equal sizes and hashes, or (a large file hashed by its bytes before
 * CHUNK_LIST_HASH_MIN, the same bytes by their chunks after) the same slices of the
 * same chunks, or the same ref-list blobs. Contents without data references
 * (a listing's) compare by hash alone.
 */
export function sameBytes(a: FileContent, b: FileContent): boolean {
  if (a.size !== b.size) return false;
  if (a.hash === b.hash) return true;
  if (isByteHash(a.size)) return false;
  if (a.indirect || b.indirect) return a.indirect !== undefined && b.indirect !== undefined && a.indirect.length === b.indirect.length && a.indirect.every((id, i) => id === b.indirect![i]);
  const x = a.refs;
  const y = b.refs;
  if (!x || !y || x.length !== y.length || x.length === 0) return false;
  return x.every((r, i) => r.chunk.hash === y[i]!.chunk.hash && r.start === y[i]!.start && r.length === y[i]!.length);
}
