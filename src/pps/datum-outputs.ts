// Datum outputs: what one datum's code wrote to /pfs/out, stored as a small
// file tree (its root ID is the output's ID), and the merge of many datums'
// outputs into a job's output tree. Two datums writing the same path fail the
// merge with an error naming the path and both datums.
import { OutputCollision } from '../errors/index.js';
import type { ContentStore, ContentWriter } from '../pfs/index.js';
import type { FileContent } from '../storage/content.js';
import { EMPTY_TREE, normalizeFilePath, type FileEntry, type FileTree, type TreeId } from '../tree/index.js';

/** Files up to this size are buffered and share one write session; larger ones stream through their own. */
const SMALL_FILE = 1024 * 1024;

/**
 * Where datum outputs are stored. Small output files of every datum go through
 * one shared write session, so 10,000 datums fill a few packs instead of
 * writing 10,000 tiny ones, and nothing is synced per datum: durable() makes
 * everything written so far durable, and callers invoke it before they record
 * results that point at it (once per batch of worker reports).
 */
export class DatumOutputStore {
  private shared: ContentWriter | undefined;
  private readonly large = new Set<Promise<void>>();

  constructor(private readonly content: ContentStore, private readonly tree: FileTree) {}

  open(): DatumOutputUpload {
    return new DatumOutputUpload(this, this.tree);
  }

  /** Every output stored so far (content and trees) is in the object store when this returns. */
  async durable(): Promise<void> {
    const shared = this.shared;
    if (shared) {
      try {
        await shared.flush();
      } catch (err) {
        if (this.shared === shared) this.shared = undefined; // a broken session is not reused
        throw err;
      }
    }
    await Promise.all(this.large);
    await this.content.blobs.flush();
  }

  /** Stores one file: small ones in the shared session, large ones streamed through a session of their own. */
  async store(data: AsyncIterable<Uint8Array>): Promise<FileContent> {
    const head: Uint8Array[] = [];
    let size = 0;
    const it = data[Symbol.asyncIterator]();
    for (;;) {
      const next = await it.next();
      if (next.done) {
        const writer = (this.shared ??= this.content.writer());
        return writer.writeFile(Buffer.concat(head, size));
      }
      head.push(next.value);
      size += next.value.length;
      if (size > SMALL_FILE) break;
    }
    const own = this.content.writer();
    const rest = (async function* () {
      yield* head;
      for (let n = await it.next(); !n.done; n = await it.next()) yield n.value;
    })();
    const content = await own.writeFile(rest);
    const flushed = own.flush();
    this.large.add(flushed);
    void flushed.finally(() => this.large.delete(flushed)).catch(() => {});
    await flushed;
    return content;
  }
}

/** Gathers one datum's output files; finish() builds its tree and returns the output ID (durable only after DatumOutputStore.durable()). */
export class DatumOutputUpload {
  private readonly entries = new Map<string, FileEntry>();

  constructor(private readonly store: DatumOutputStore, private readonly tree: FileTree) {}

  async putFile(path: string, data: AsyncIterable<Uint8Array> | Uint8Array): Promise<void> {
    const p = normalizeFilePath(path);
    const content = await this.store.store(data instanceof Uint8Array ? oneChunk(data) : data);
    this.entries.set(p, { path: p, size: content.size, hash: content.hash, content });
  }

  async finish(): Promise<{ output: TreeId; files: number; bytes: number }> {
    const entries = [...this.entries.values()];
    const output = entries.length === 0 ? EMPTY_TREE : await this.tree.build(entries);
    return { output, files: entries.length, bytes: entries.reduce((n, e) => n + e.size, 0) };
  }
}

/** A datum's output files held in memory (small outputs sent inline with a result). */
export interface InlineOutputFile {
  path: string;
  data: Uint8Array;
}

/** Stores a small output sent inline; returns its output ID (durable only after DatumOutputStore.durable()). */
export async function storeInlineOutput(store: DatumOutputStore, files: readonly InlineOutputFile[]): Promise<TreeId> {
  const upload = store.open();
  for (const f of files) await upload.putFile(f.path, f.data);
  return (await upload.finish()).output;
}

async function* oneChunk(data: Uint8Array): AsyncIterable<Uint8Array> {
  yield data;
}

/** The union of the datums' outputs as one tree; throws OutputCollision if two datums wrote one path. */
export async function mergeOutputs(tree: FileTree, outputs: readonly { datum: string; output: TreeId }[]): Promise<TreeId> {
  const owner = new Map<string, string>();
  const entries: FileEntry[] = [];
  for (const { datum, output } of outputs) {
    if (!output || output === EMPTY_TREE) continue;
    for await (const entry of tree.scan(output)) {
      const other = owner.get(entry.path);
      if (other !== undefined && other !== datum) throw new OutputCollision(entry.path, [other, datum].sort() as [string, string]);
      owner.set(entry.path, datum);
      entries.push(entry);
    }
  }
  return entries.length === 0 ? EMPTY_TREE : tree.build(entries);
}
