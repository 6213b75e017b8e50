// A PFS over an in-memory object store and an in-memory metadata store, for
// the unit tests of this layer and the ones above it (no disk, no LevelDB).
// A fixed clock and a counter for randomness keep results reproducible.
import { ContentStore } from '../storage/content-store.js';
import { MemoryMetadataStore } from '../storage/memory-metadata-store.js';
import { MemoryStore } from '../storage/memory-store.js';
import { FileTree } from '../tree/index.js';
import { Pfs } from './index.js';

export interface TestPfs {
  pfs: Pfs;
  objects: MemoryStore;
  /** The metadata store PFS keeps its tables in; the layers above add theirs to it. */
  meta: MemoryMetadataStore;
  content: ContentStore;
  tree: FileTree;
  close(): Promise<void>;
}

/**
 * `clock` replaces the default clock (which starts at 2026-01-01 and advances one second per call);
 * `uploadFoldFiles` makes uploads fold their puts into a tree every that many files.
 */
export async function openTestPfs(options: { clock?: () => Date; uploadFoldFiles?: number } = {}): Promise<TestPfs> {
  const meta = new MemoryMetadataStore();
  const objects = new MemoryStore();
  const content = await ContentStore.open(objects);
  const tree = new FileTree(content.blobs);
  let n = 0;
  let t = Date.parse('2026-01-01T00:00:00Z');
  const pfs = await Pfs.open({
    meta,
    content,
    tree,
    clock: options.clock ?? (() => new Date((t += 1000))),
    ...(options.uploadFoldFiles ? { uploadFoldFiles: options.uploadFoldFiles } : {}),
    random: (bytes) => {
      const b = Buffer.alloc(bytes);
      b.writeUInt32BE(++n, bytes - 4);
      return b;
    },
  });
  return {
    pfs,
    objects,
    meta,
    content,
    tree,
    async close() {
      await meta.close();
    },
  };
}

export async function* bytesOf(text: string): AsyncIterable<Uint8Array> {
  yield Buffer.from(text);
}

export async function readAll(it: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const p of it) parts.push(Buffer.from(p));
  return Buffer.concat(parts).toString();
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
