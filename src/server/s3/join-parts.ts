// File contents made from stored ones without copying bytes: the parts of a
// multipart upload joined, or a byte range of a file cut out (UploadPartCopy).
// The result's data references point at the same chunks; only the content
// hash needs the bytes, read back once and cut and hashed as a write of them
// would be (ContentStore.hashOf: a large file's hash comes from chunks of its own),
// or, for parts each cut on their own, only the bytes near the seams
// (ContentStore.hashOfJoined). Long reference lists go into ref-list blobs, as
// the write path stores them.
import { createHash } from 'node:crypto';
import { EMPTY_HASH, type DataRef, type FileContent } from '../../storage/content.js';
import type { ContentStore } from '../../storage/content-store.js';
import { decodeRefs, encodeRefs } from '../../storage/ref-codec.js';
import { INLINE_REFS } from '../../storage/file-writer.js';

const REFS_PER_BLOB = 1024;

async function refsOf(store: ContentStore, content: FileContent): Promise<DataRef[]> {
  const refs = [...(content.refs ?? [])];
  for (const id of content.indirect ?? []) refs.push(...decodeRefs(await store.blobs.get(id), `blob:${id}`));
  return refs;
}

/**
 * The parts joined. `cutOnTheirOwn`: each part was written by a write session of its own
 * (UploadPart), so the content hash is made from their chunks and the bytes near the seams
 * (ContentStore.hashOfJoined) rather than from all the bytes read back.
 */
export async function joinContents(store: ContentStore, parts: FileContent[], cutOnTheirOwn = false): Promise<FileContent> {
  const pieces: DataRef[][] = [];
  let size = 0;
  for (const part of parts) {
    size += part.size;
    pieces.push(await refsOf(store, part));
  }
  return describe(store, pieces.flat(), size, cutOnTheirOwn ? pieces : undefined);
}

/** Bytes [offset, offset + length) of `content` (clamped to it). */
export async function sliceContent(store: ContentStore, content: FileContent, offset: number, length: number): Promise<FileContent> {
  const end = Math.min(offset + length, content.size);
  const out: DataRef[] = [];
  let at = 0;
  for (const ref of await refsOf(store, content)) {
    const refEnd = at + ref.length;
    if (refEnd > offset && at < end) {
      const from = Math.max(offset, at) - at;
      const to = Math.min(end, refEnd) - at;
      out.push({ chunk: ref.chunk, start: ref.start + from, length: to - from });
    }
    at = refEnd;
    if (at >= end) break;
  }
  return describe(store, out, Math.max(0, end - offset));
}

async function describe(store: ContentStore, refs: DataRef[], size: number, pieces?: DataRef[][]): Promise<FileContent> {
  if (size === 0) return { size: 0, hash: EMPTY_HASH, refs: [] };
  const joined: FileContent = { size, hash: '', refs };
  const content: FileContent = { size, hash: await (pieces ? store.hashOfJoined(joined, pieces) : store.hashOf(joined)) };
  if (refs.length <= INLINE_REFS) content.refs = refs;
  else {
    content.indirect = [];
    for (let i = 0; i < refs.length; i += REFS_PER_BLOB) {
      const bytes = encodeRefs(refs.slice(i, i + REFS_PER_BLOB));
      const id = createHash('sha256').update(bytes).digest('hex');
      if (!(await store.blobs.has(id))) await store.blobs.put(id, bytes);
      content.indirect.push(id);
    }
  }
  return content;
}
