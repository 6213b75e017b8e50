// A PFS over an in-memory object store and a temporary LevelDB, for the unit
// tests of this layer and the ones above it. A fixed clock and a counter for
// randomness keep results reproducible.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContentStore } from '../storage/content-store.js';
import { MemoryStore } from '../storage/memory-store.js';
import { FileTree } from '../tree/index.js';
import { Metadata } from './metadata.js';
import { Pfs } from './index.js';

export interface TestPfs {
  pfs: Pfs;
  objects: MemoryStore;
  close(): Promise<void>;
}

/** `clock` replaces the default clock (which starts at 2026-01-01 and advances one second per call). */
export async function openTestPfs(options: { clock?: () => Date } = {}): Promise<TestPfs> {
  const dir = await mkdtemp(join(tmpdir(), 'tusk-pfs-'));
  const meta = await Metadata.open(join(dir, 'meta'));
  const objects = new MemoryStore();
  const content = await ContentStore.open(objects);
  const tree = new FileTree(content.blobs);
  let n = 0;
  let t = Date.parse('2026-01-01T00:00:00Z');
  const pfs = new Pfs({
    meta,
    content,
    tree,
    clock: options.clock ?? (() => new Date((t += 1000))),
    random: (bytes) => {
      const b = Buffer.alloc(bytes);
      b.writeUInt32BE(++n, bytes - 4);
      return b;
    },
  });
  return {
    pfs,
    objects,
    async close() {
      await meta.close();
      await rm(dir, { recursive: true, force: true });
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
