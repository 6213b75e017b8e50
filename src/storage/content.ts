// The vocabulary of stored content: where a chunk lives inside a pack object,
// slices of chunks that make up a file, and the content descriptor a file tree
// keeps for each file. Plain data, no I/O.

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
 * What a file's bytes are. `hash` is the sha256 (hex) of the whole content,
 * independent of how it was chunked. Either `refs` holds the slices inline, or
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
