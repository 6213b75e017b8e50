// Joins the parts of a multipart upload into one file's content without
// copying bytes: the file's data references are the parts' references in
// order. Only the whole file's sha256 (the content hash every file carries)
// needs its bytes, read back once and hashed as they stream by. Long
// reference lists go into ref-list blobs, as the write path stores them.
import { createHash } from 'node:crypto';
import { EMPTY_HASH, type DataRef, type FileContent } from '../../storage/content.js';
import type { ContentStore } from '../../storage/content-store.js';
import { decodeRefs, encodeRefs } from '../../storage/ref-codec.js';
import { INLINE_REFS } from '../../storage/file-writer.js';

const REFS_PER_BLOB = 1024;

export async function joinContents(store: ContentStore, parts: FileContent[]): Promise<FileContent> {
  const refs: DataRef[] = [];
  let size = 0;
  for (const part of parts) {
    size += part.size;
    if (part.refs) refs.push(...part.refs);
    for (const id of part.indirect ?? []) refs.push(...decodeRefs(await store.blobs.get(id), `blob:${id}`));
  }
  if (size === 0) return { size: 0, hash: EMPTY_HASH, refs: [] };
  const hash = createHash('sha256');
  for await (const piece of store.read({ size, hash: '', refs })) hash.update(piece);
  const content: FileContent = { size, hash: hash.digest('hex') };
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
