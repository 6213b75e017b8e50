// What PFS needs from the layers below and from the outside world, declared
// here where it is used: content storage, the file tree, the metadata store, a clock,
// randomness, and a hook through which higher layers (pipelines) say which
// repos and branches they use.
import type { BlobStore } from '../storage/blob-store.js';
import type { ChunkRef, FileContent } from '../storage/content.js';
import type { EntryCheck } from '../storage/integrity.js';
import type { FileTree } from '../tree/index.js';
import type { MetadataStore } from '../storage/metadata-store.js';
import type { LogFn } from '../log/logger.js';
import type { GcRoot } from './gc.js';

/** A write session of the content store: many files through one chunk stream. */
export interface ContentWriter {
  /** Stores one file's bytes; the result is usable once `flush()` has returned. */
  writeFile(source: AsyncIterable<Uint8Array> | Uint8Array): Promise<FileContent>;
  /** Stores many whole files, in order; resolves with their contents (without it: writeFile each). */
  writeFiles?(sources: readonly Uint8Array[]): Promise<FileContent[]>;
  /** Makes every file written so far durable in the object store. */
  flush(): Promise<void>;
  /**
   * A commit on a branch may run flush() itself, beside the flush of its tree nodes, rather than
   * the upload before it (one pack for both where the store shares them: tiny S3 PUTs).
   */
  readonly flushWithCommit?: boolean;
}

/** File bytes in pieces; next(inUse) may keep the piece just handed out valid until `inUse` settles (see readReusing). */
export type PieceStream = AsyncGenerator<Uint8Array, void, PromiseLike<unknown> | undefined>;

export interface ContentStore {
  writer(): ContentWriter;
  /** Streams a file's bytes (a range of them), verifying each chunk; throws CorruptObject on damage. */
  read(content: FileContent, range?: { offset: number; length: number }): AsyncIterable<Uint8Array>;
  /**
   * As read(), for a consumer done with each piece before it asks for the next: a piece is valid
   * only until then (the store reads into it again), or, when the consumer passes a promise to that
   * next() (it still writes the piece), until the promise settles; the store holds at most one
   * group of pieces that way and waits for the older ones. Optional: without it, read() serves.
   */
  readReusing?(content: FileContent, range?: { offset: number; length: number }): PieceStream;
  /**
   * Many small files, each whole: one promise per file, settling with its bytes (not to be written
   * to) or as read() of it would fail. Optional: without it, read() serves each file. Meant for many
   * files lying side by side in a few packs (storage/file-reader.ts readMany).
   */
  readMany?(contents: readonly FileContent[]): Promise<Uint8Array>[];
  readonly blobs: BlobStore;
  /**
   * Holds what a piece of work writes against garbage collection until it is reachable from a
   * root (storage/gc-journal.ts); absent in stores without a collector.
   */
  lease?(what: string): { release(): void };
  /** Keeps a content that is referenced without being written (a copy) from a collection running now; under a lease. */
  pin?(content: FileContent): Promise<void>;
  /** Reads back every chunk in `refs` past the caches and reports the missing and corrupt ones (fsck). */
  verify(refs: Iterable<ChunkRef>): Promise<EntryCheck>;
}

/** Who uses a repo or branch (pipelines reading it), so PFS can refuse to delete it. */
export interface UsageHook {
  repoUsers(repo: string): Promise<string[]>;
  branchUsers(repo: string, branch: string): Promise<string[]>;
  /** The pipeline whose output repo `repo` is, if any: users may not write there (write-guard.ts). */
  outputPipeline?(repo: string): Promise<string | undefined>;
}

export interface PfsDeps {
  /** Where repos, branches and commits are recorded (PFS owns its tables there). */
  meta: MetadataStore;
  content: ContentStore;
  tree: FileTree;
  clock: () => Date;
  random: (bytes: number) => Uint8Array;
  usage?: UsageHook;
  /** Roots of garbage collection that higher layers keep outside PFS (datum results, multipart parts): gc.ts. */
  gcRoots?: () => AsyncIterable<GcRoot>;
  /** Where background work (cron-triggered branch moves) reports what it did and what failed. */
  log?: LogFn;
  /** Puts an upload holds in memory before folding them into a tree (default 10,000; tests use a few). */
  uploadFoldFiles?: number;
}
