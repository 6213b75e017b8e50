// A file's content hash computed from its bytes alone, independently of the
// write path (storage/content.ts has the rule): the sha256 of the bytes under
// 1 MiB; above, the SHA3-256 of a domain tag, the size and each chunk's sha256,
// the chunks cut by the plain JavaScript chunker (not the WebAssembly kernel
// writers use). For asserting the hashes a daemon or a store reports.
import { createHash } from 'node:crypto';
import { chunkBoundaries, DEFAULT_CHUNK_PARAMS, type ChunkParams } from '../../src/storage/chunker.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest();

export function contentHash(data: Uint8Array, params: ChunkParams = DEFAULT_CHUNK_PARAMS): string {
  if (data.length < 1024 * 1024) return sha(data).toString('hex');
  const h = createHash('sha3-256').update('tusk chunk-list sha3-256 v1\n');
  const size = Buffer.alloc(8);
  size.writeBigUInt64BE(BigInt(data.length));
  h.update(size);
  let at = 0;
  for (const cut of chunkBoundaries(data, params)) {
    h.update(sha(data.subarray(at, cut)));
    at = cut;
  }
  return h.digest('hex');
}
