// Datum outputs: what one datum's code wrote to /pfs/out, stored as a small
// file tree (its root ID is the output's ID), and the merge of many datums'
// outputs into a job's output tree. Two datums writing the same path fail the
// merge with an error naming the path and both datums. The store remembers the
// entries of the small outputs it built lately (RecentOutputs), so the merge of
// a job of many tiny datums does not read each one's tree back.
import { OutputCollision } from '../errors/index.js';
import type { ContentStore, ContentWriter } from '../pfs/index.js';
import type { FileContent } from '../storage/content.js';
import { EMPTY_TREE, normalizeFilePath, type FileEntry, type FileTree, type TreeId } from '../tree/index.js';

/** Files up to this size are buffered and share one write session; larger ones stream through their own. */
const SMALL_FILE = 1024 * 1024;

/** Entries of recently built outputs kept for the merge, in all (a few hundred bytes each: some MiB at most). */
const RECENT_ENTRIES = 20_000;
/** An output with more files than this is not remembered (a big one is read back from its tree). */
const RECENT_OUTPUT_FILES = 64;

/**
 * Where datum outputs are stored. Small output files of every datum go through
 * one shared write session (tiny ones sent inline into the blob packs, beside
 * the outputs' tree nodes), so 10,000 datums fill a few packs instead of
 * writing 10,000 tiny ones, and nothing is synced per datum: durable() makes
 * everything written so far durable, and callers invoke it before they record
 * results that point at it (once per batch of worker reports).
 */
export class DatumOutputStore {
  private shared: ContentWriter | undefined;
  private readonly large = new Set<Promise<void>>();
  private readonly recent: RecentOutputs;

  /** `recentEntries`: how many entries of recent outputs are kept for the merge, in all. */
  constructor(private readonly content: OutputContent, private readonly tree: FileTree, recentEntries = RECENT_ENTRIES) {
    this.recent = new RecentOutputs(recentEntries);
  }

  open(): DatumOutputUpload {
    return new DatumOutputUpload(this, this.tree);
  }

  /** The entries of an output built here lately, in path order, or undefined (read its tree then). */
  entriesOf(output: TreeId): readonly FileEntry[] | undefined {
    return this.recent.get(output);
  }

  /** Remembers the entries of an output just built (a small one), for the merge. */
  remember(output: TreeId, entries: readonly FileEntry[]): void {
    if (entries.length > 0 && entries.length <= RECENT_OUTPUT_FILES) this.recent.set(output, entries);
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

  /**
   * Stores one file held in memory (an inline output's). A tiny one goes into the blob packs beside the
   * trees' nodes where the store offers that (one pack per durable point for tiny outputs, each file hashed
   * once); other small ones into the shared session.
   */
  storeBytes(data: Uint8Array): Promise<FileContent> {
    if (data.length > SMALL_FILE) return this.store(oneChunk(data));
    const tiny = this.content.writeTiny?.(data);
    if (tiny) return tiny;
    const writer = (this.shared ??= this.content.writer());
    return writer.writeFile(data);
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

/**
 * The content store as datum outputs use it: `writeTiny`, where the store has it, stores a tiny file in
 * the blob packs (durable with them: durable() flushes them last) and answers undefined for other sizes.
 */
export type OutputContent = ContentStore & { writeTiny?(bytes: Uint8Array): Promise<FileContent> | undefined };

/** Gathers one datum's output files; finish() builds its tree and returns the output ID (durable only after DatumOutputStore.durable()). */
export class DatumOutputUpload {
  private readonly entries = new Map<string, FileEntry>();

  constructor(private readonly store: DatumOutputStore, private readonly tree: FileTree) {}

  async putFile(path: string, data: AsyncIterable<Uint8Array> | Uint8Array): Promise<void> {
    const p = normalizeFilePath(path);
    const content = await (data instanceof Uint8Array ? this.store.storeBytes(data) : this.store.store(data));
    this.entries.set(p, { path: p, size: content.size, hash: content.hash, content });
  }

  async finish(): Promise<{ output: TreeId; files: number; bytes: number }> {
    const entries = [...this.entries.values()].sort(byPath);
    const output = entries.length === 0 ? EMPTY_TREE : await this.tree.build(entries);
    this.store.remember(output, entries);
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
  // Queued at once (they pack together); of two files with one path the later one is kept, as when put one by one.
  const last = new Map<string, InlineOutputFile>();
  for (const f of files) last.set(normalizeFilePath(f.path), f);
  await Promise.all([...last].map(([path, f]) => upload.putFile(path, f.data)));
  return (await upload.finish()).output;
}

async function* oneChunk(data: Uint8Array): AsyncIterable<Uint8Array> {
  yield data;
}

/**
 * The union of the datums' outputs as one tree; throws OutputCollision if two datums wrote one path.
 * `known`: an output's entries in path order when they are at hand (DatumOutputStore.entriesOf), else its tree is read.
 */
export async function mergeOutputs(
  tree: FileTree,
  outputs: readonly { datum: string; output: TreeId }[],
  known: (output: TreeId) => readonly FileEntry[] | undefined = () => undefined,
): Promise<TreeId> {
  const owner = new Map<string, string>();
  const entries: FileEntry[] = [];
  const add = (datum: string, entry: FileEntry) => {
    const other = owner.get(entry.path);
    if (other !== undefined && other !== datum) throw new OutputCollision(entry.path, [other, datum].sort() as [string, string]);
    owner.set(entry.path, datum);
    entries.push(entry);
  };
  for (const { datum, output } of outputs) {
    if (!output || output === EMPTY_TREE) continue;
    const held = known(output);
    if (held) for (const entry of held) add(datum, entry);
    else for await (const entry of tree.scan(output)) add(datum, entry);
  }
  return entries.length === 0 ? EMPTY_TREE : tree.build(entries);
}

function byPath(a: FileEntry, b: FileEntry): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/** Output ID → its entries, for the outputs built last, up to `capacity` entries in all (the oldest go first). */
class RecentOutputs {
  private readonly outputs = new Map<TreeId, readonly FileEntry[]>();
  private entries = 0;

  constructor(private readonly capacity: number) {}

  get(output: TreeId): readonly FileEntry[] | undefined {
    return this.outputs.get(output);
  }

  set(output: TreeId, entries: readonly FileEntry[]): void {
    if (this.outputs.has(output)) return;
    this.outputs.set(output, entries);
    this.entries += entries.length;
    for (const [id, old] of this.outputs) {
      if (this.entries <= this.capacity) break;
      this.outputs.delete(id);
      this.entries -= old.length;
    }
  }
}
