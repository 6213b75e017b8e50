// Writing files: an Upload gathers puts and deletes for one target (a branch,
// or an open commit by ID), storing content as it streams in, and applies
// everything atomically in commit(). A client that goes away before commit()
// leaves the target exactly as it was. A branch without an open commit gets a
// new commit that is opened and finished around the change.
//
// Puts need not be awaited one by one: putFile() hands the bytes to the write
// session at once (so many small files flow through one chunk stream and one
// hash batch instead of one round trip each) and commit() waits for them all.
//
// Memory stays bounded by a batch, not by the number of files: every
// `foldFiles` puts are folded into a tree of this upload's own files (an
// overlay, built in the background as the next puts arrive), so a put of a
// million files holds one overlay root and at most a batch of entries. At
// commit the overlay becomes the new tree outright when the target is empty,
// else it is merged into it a batch at a time. Overlay nodes that the commit
// does not keep are left for gc, like any unreachable node.
import { checkWritable } from './write-guard.js';
import { CommitFinished, FileNotFound, NotAFile } from '../errors/index.js';
import { normalizeFilePath, parentDir } from '../tree/path.js';
import { EMPTY_TREE, type FileEntry, type Mutation, type TreeId } from '../tree/index.js';
import { checkBranchName } from './names.js';
import { parseRef, refName, walksHistory } from './ref.js';
import type { Commits } from './commits.js';
import type { PfsContext } from './context.js';
import type { FileContent } from '../storage/content.js';
import type { ContentWriter } from './deps.js';
import type { CommitRecord } from './records.js';

/**
 * A put (its stored entry), many whole files put together (their stored contents, in order: putFiles),
 * a delete, or puts already folded into an overlay tree of their own.
 */
type Op = { path: string; put: Promise<FileEntry> } | { paths: readonly string[]; puts: Promise<FileContent[]> } | { delete: string } | { run: Promise<TreeId> };
type PutOp = Extract<Op, { put: unknown }> | Extract<Op, { puts: unknown }>;

/**
 * Puts held before they are folded into the overlay tree (ctx.deps.uploadFoldFiles overrides it).
 * What a batch holds dies at its fold: held much longer than one young-generation collection, it is
 * promoted to the old generation and dies there, which grows the heap until a full collection. In a put
 * -r of 1M tiny files (~2 KB allocated per file, a scavenge every ~8,000 files) 10,000 promoted ~290 MB
 * with ~31 full collections; 5,000 ~36 MB with 8-9, and the daemon's CPU fell by a quarter. Sorted
 * folds only append to the overlay, so more of them cost little.
 */
const FOLD_FILES = 5_000;

/** An unfolded put of a path (a delete: undefined), with its ordinal among puts and deletes and its op (none for a delete). */
interface Pending {
  entry: Promise<FileEntry | undefined>;
  seq: number;
  op: PutOp | undefined;
}

export interface UploadResult {
  commit: CommitRecord;
  filesWritten: number;
  bytesWritten: number;
}

export class Upload {
  private readonly ops: Op[] = [];
  /**
   * The latest unfolded put (or, undefined, delete) of each path, for appends: made when first
   * needed (see `pending`), so that a put of many files without appends or deletes does not add
   * and remove every path here (a large map's tables lived long enough to reach V8's old generation:
   * ~12% of what a put of 1M tiny files promoted there).
   */
  private pendingIndex: Map<string, Pending> | undefined;
  /** Ordinal of the latest put or delete once the index exists (those before it are all 0: puts, no delete). */
  private seq = 0;
  /** Every delete since the index exists, in order: a folder's delete hides the unfolded puts under it. */
  private readonly deletes: { path: string; seq: number }[] = [];
  /** Put ops at the end of `ops`, not folded yet, and how many files they put. */
  private unfolded = 0;
  private unfoldedFiles = 0;
  private writer: ContentWriter | undefined;
  private bytes = 0;
  private files = 0;
  /** Checks of what a path holds in the tree the change applies to, run atomically with it (see require). */
  private readonly conditions: { path: string; check(entry: FileEntry | undefined): void }[] = [];
  /** Keeps what this upload stores from garbage collection until its commit is recorded (or it is abandoned). */
  private readonly lease: { release(): void } | undefined;

  private constructor(
    private readonly ctx: PfsContext,
    private readonly commits: Commits,
    readonly repo: string,
    readonly branch: string | undefined,
    readonly commitId: string | undefined,
    readonly description: string | undefined,
    /** Where the content goes (default: a write session of this upload's own). */
    private readonly givenWriter?: ContentWriter,
  ) {
    this.lease = ctx.deps.content.lease?.(`upload to ${repo}@${branch ?? commitId}`);
  }

  /** Gives up: nothing is committed, and what was stored becomes collectable. commit() does this itself. */
  abandon(): void {
    this.lease?.release();
  }

  /** Checks the target (`repo@branch` or `repo@<open commit>`) before any data is sent. */
  static async open(ctx: PfsContext, commits: Commits, target: string, description?: string, force = false, writer?: ContentWriter): Promise<Upload> {
    const ref = parseRef(target);
    await ctx.requireRepo(ref.repo);
    if (walksHistory(ref)) throw new CommitFinished(ref.repo, refName(ref));
    if (ref.isId) {
      const commit = await commits.mustGet(ref.repo, ref.name);
      if (commit.finished) throw new CommitFinished(ref.repo, commit.id);
      await checkWritable(ctx, ref.repo, commit.branch, force);
      return new Upload(ctx, commits, ref.repo, undefined, commit.id, description, writer);
    }
    checkBranchName(ref.name);
    await checkWritable(ctx, ref.repo, ref.name, force);
    return new Upload(ctx, commits, ref.repo, ref.name, undefined, description, writer);
  }

  /**
   * Stores one file's content; `append` adds to what the path holds now. The
   * write starts at once, in call order; the promise resolves once the content
   * is stored (durable after commit()). A caller may queue many puts without
   * waiting and let commit() collect them; it must not change `data` after.
   */
  putFile(path: string, data: AsyncIterable<Uint8Array> | Uint8Array, append = false): Promise<FileEntry> {
    let p: string;
    try {
      p = normalizeFilePath(path);
    } catch (err) {
      return Promise.reject(err);
    }
    const writer = (this.writer ??= this.givenWriter ?? this.ctx.deps.content.writer());
    const content = append ? this.appendSource(p, data).then((source) => writer.writeFile(source)) : writer.writeFile(data);
    const entry = content.then((c): FileEntry => {
      this.files++;
      this.bytes += c.size;
      return { path: p, size: c.size, hash: c.hash, content: c };
    });
    entry.catch(() => undefined); // the caller or commit() sees the error
    this.addPut({ path: p, put: entry });
    return entry;
  }

  /**
   * Stores many whole files at once, as putFile would one by one (none an
   * append): one write and one promise for them all, and until they are
   * folded one record of their paths and contents, not an entry and promises
   * per file (a put -r of a million tiny files sends them 512 a message).
   * Rejects with the first failure; commit() sees it too.
   */
  putFiles(files: readonly { path: string; data: Uint8Array }[]): Promise<FileContent[]> {
    const paths = new Array<string>(files.length);
    const datas = new Array<Uint8Array>(files.length);
    try {
      for (let i = 0; i < files.length; i++) {
        paths[i] = normalizeFilePath(files[i]!.path);
        datas[i] = files[i]!.data;
      }
    } catch (err) {
      return Promise.reject(err);
    }
    const writer = (this.writer ??= this.givenWriter ?? this.ctx.deps.content.writer());
    const written = writer.writeFiles ? writer.writeFiles(datas) : Promise.all(datas.map((data) => writer.writeFile(data)));
    const puts = written.then((contents) => {
      this.files += contents.length;
      for (const c of contents) this.bytes += c.size;
      return contents;
    });
    puts.catch(() => undefined); // the caller or commit() sees the error
    this.addPut({ paths, puts });
    return puts;
  }

  /** pendingIndex, made from the ops the first time: until then there was no delete, so they are at most one fold's run and the unfolded puts. */
  private get pending(): Map<string, Pending> {
    if (!this.pendingIndex) {
      const index = (this.pendingIndex = new Map());
      for (const op of this.ops) if ('put' in op || 'puts' in op) indexPut(index, op, 0);
    }
    return this.pendingIndex;
  }

  private addPut(op: PutOp): void {
    if (this.pendingIndex) indexPut(this.pendingIndex, op, ++this.seq);
    this.ops.push(op);
    this.unfolded++;
    this.unfoldedFiles += 'put' in op ? 1 : op.paths.length;
    if (this.unfoldedFiles >= (this.ctx.deps.uploadFoldFiles ?? FOLD_FILES)) this.fold();
  }

  /** Folds the unfolded puts into the overlay tree they follow (a new one after a delete), in the background. */
  private fold(): void {
    const puts = this.ops.splice(this.ops.length - this.unfolded, this.unfolded) as PutOp[];
    this.unfolded = 0;
    this.unfoldedFiles = 0;
    const pending = this.pendingIndex;
    if (pending) {
      for (const op of puts) {
        for (const path of 'put' in op ? [op.path] : op.paths) if (pending.get(path)?.op === op) pending.delete(path);
      }
    }
    const last = this.ops[this.ops.length - 1];
    let overlay: Promise<TreeId> = Promise.resolve(EMPTY_TREE);
    if (last && 'run' in last) {
      this.ops.pop();
      overlay = last.run;
    }
    const run = overlay.then(async (root) => this.putBatch(root, await entriesOf(puts)));
    run.catch(() => undefined); // commit() sees the error
    this.ops.push({ run });
  }

  /**
   * Puts a file whose bytes are stored already (a copy of another file, or a
   * multipart upload's parts joined): only the references move, no bytes.
   * `content` must be durable (flushed) before commit().
   */
  putContent(path: string, content: FileContent): Promise<FileEntry> {
    let p: string;
    try {
      p = normalizeFilePath(path);
    } catch (err) {
      return Promise.reject(err);
    }
    this.files++;
    this.bytes += content.size;
    const pinned = this.ctx.deps.content.pin?.(content) ?? Promise.resolve();
    const entry = pinned.then((): FileEntry => ({ path: p, size: content.size, hash: content.hash, content }));
    entry.catch(() => undefined); // commit() sees the error
    this.addPut({ path: p, put: entry });
    return entry;
  }

  /** What to write for an append to `path`: the bytes it holds now, then `data`. */
  private async appendSource(path: string, data: AsyncIterable<Uint8Array> | Uint8Array): Promise<AsyncIterable<Uint8Array> | Uint8Array> {
    const known = this.pending.get(path);
    const earlier = known && !this.folderDeletedSince(path, known.seq) ? known.entry : await this.foldedEntry(path);
    let base: FileEntry | undefined;
    if (earlier) {
      base = await earlier;
      if (base) await this.writer!.flush(); // so that the earlier put's chunks can be read back
    } else base = await this.currentEntry(path);
    if (!base) return data;
    return concat(this.ctx.deps.content.read(base.content), data instanceof Uint8Array ? [data] : data);
  }

  /**
   * What this upload wrote at `path` before its unfolded puts: the entry in the
   * latest overlay holding it (undefined in the promise: deleted since, itself
   * or a folder above it), or undefined when the upload has not touched it.
   */
  private async foldedEntry(path: string): Promise<Promise<FileEntry | undefined> | undefined> {
    for (let i = this.ops.length - 1; i >= 0; i--) {
      const op = this.ops[i]!;
      if ('delete' in op && (op.delete === path || path.startsWith(`${op.delete}/`))) return Promise.resolve(undefined);
      if ('run' in op) {
        const entry = await this.ctx.deps.tree.get(await op.run, path);
        if (entry) return Promise.resolve(entry);
      }
    }
    return undefined;
  }

  /** Whether a folder above `path` was deleted after ordinal `seq` (its unfolded puts under it went with it). */
  private folderDeletedSince(path: string, seq: number): boolean {
    for (let i = this.deletes.length - 1; i >= 0 && this.deletes[i]!.seq > seq; i--) {
      if (path.startsWith(`${this.deletes[i]!.path}/`)) return true;
    }
    return false;
  }

  deleteFile(path: string): void {
    const p = normalizeFilePath(path);
    const seq = ++this.seq;
    this.pending.set(p, { entry: Promise.resolve(undefined), seq, op: undefined });
    this.deletes.push({ path: p, seq });
    this.ops.push({ delete: p });
    this.unfolded = 0;
    this.unfoldedFiles = 0;
  }

  /**
   * Makes the commit depend on what `path` holds (undefined: nothing) in the tree this upload's
   * change is applied to, at the moment it is applied, so no other write can slip in between: `check`
   * throws to refuse the whole upload (S3's conditional writes, If-Match and If-None-Match).
   */
  require(path: string, check: (entry: FileEntry | undefined) => void): void {
    this.conditions.push({ path: normalizeFilePath(path), check });
  }

  /**
   * Runs the required checks now, against what the target holds at this moment (its open commit, or
   * the branch's head), so that a write bound to fail is refused before its data is sent; commit()
   * checks them again, atomically.
   */
  async checkRequired(): Promise<void> {
    for (const c of this.conditions) c.check(await this.currentEntry(c.path));
  }

  /** Applies every change atomically and returns the commit that holds them. */
  async commit(): Promise<UploadResult> {
    try {
      return await this.commitOnce();
    } finally {
      this.lease?.release();
    }
  }

  private async commitOnce(): Promise<UploadResult> {
    for (const op of this.ops) {
      if ('put' in op) await op.put;
      else if ('puts' in op) await op.puts;
      else if ('run' in op) await op.run;
    }
    // On a branch, a writer that allows it is flushed by the commit group, with the tree nodes.
    const writer = this.writer;
    const flushWithCommit = !this.commitId && writer?.flushWithCommit === true;
    if (!flushWithCommit) await writer?.flush();
    let commit: CommitRecord;
    if (this.commitId) {
      const id = this.commitId;
      commit = await this.ctx.locks.run(`repo:${this.repo}`, async () => {
        const open = await this.commits.mustGet(this.repo, id);
        if (open.finished) throw new CommitFinished(this.repo, open.id);
        return this.commits.setTreeLocked(open, await this.applyOps(open.tree));
      });
    } else {
      // A branch: a new commit, made together with other writes to the branch that arrive meanwhile.
      commit = await this.commits.group.submit(this.repo, this.branch!, {
        apply: (base) => this.applyOps(base),
        ...(this.description !== undefined ? { description: this.description } : {}),
        ...(flushWithCommit ? { flushContent: () => writer!.flush() } : {}),
        intoOpen: async (head) => {
          if (flushWithCommit) await writer!.flush();
          return this.commits.setTreeLocked(head, await this.applyOps(head.tree));
        },
      });
    }
    return { commit, filesWritten: this.files, bytesWritten: this.bytes };
  }

  /** The entry at `path` in the tree this upload will change (the open commit, or the branch's head). */
  private async currentEntry(path: string): Promise<FileEntry | undefined> {
    let tree: TreeId | undefined;
    if (this.commitId) tree = (await this.commits.mustGet(this.repo, this.commitId)).tree;
    else {
      const branch = await this.ctx.meta.getBranch(this.repo, this.branch!);
      if (branch?.head) tree = (await this.commits.mustGet(this.repo, branch.head)).tree;
    }
    return tree ? this.ctx.deps.tree.get(tree, path) : undefined;
  }

  /** Applies the ops in order to `base` (undefined: empty) and returns the new root. */
  private async applyOps(base: TreeId | undefined): Promise<TreeId> {
    const tree = this.ctx.deps.tree;
    let root = base ?? EMPTY_TREE;
    for (const c of this.conditions) c.check(base ? await tree.get(base, c.path) : undefined);
    let batch = new Map<string, FileEntry>();
    const flush = async () => {
      if (batch.size === 0) return;
      root = await this.putBatch(root, batch);
      batch = new Map();
    };
    for (const op of this.ops) {
      if ('put' in op || 'puts' in op) {
        await addEntries(batch, op);
        continue;
      }
      await flush();
      if ('run' in op) {
        root = await this.mergeOverlay(root, await op.run);
        continue;
      }
      const path = op.delete;
      let mutation: Mutation;
      if (await tree.get(root, path)) mutation = { path, delete: true };
      else if (await tree.isDir(root, path)) mutation = { deletePrefix: path };
      else throw new FileNotFound(path, `${this.repo}@${this.branch ?? this.commitId}`);
      root = (await tree.apply(root, [mutation])).root;
    }
    await flush();
    return root;
  }

  /** Puts a batch of entries (one per path) into `root`. */
  private async putBatch(root: TreeId, batch: Map<string, FileEntry>): Promise<TreeId> {
    const tree = this.ctx.deps.tree;
    await this.checkPuts(root, batch);
    // Building is a third cheaper than applying to an empty tree (100k files: ~180 vs ~270 ms), and gives the same root.
    if (root === EMPTY_TREE) return tree.build(batch.values());
    return (await tree.apply(root, [...batch.values()].map((entry) => ({ path: entry.path, entry })))).root;
  }

  /** `root` with every file of the overlay tree put into it: the overlay itself into an empty tree, else a batch at a time. */
  private async mergeOverlay(root: TreeId, overlay: TreeId): Promise<TreeId> {
    if (root === EMPTY_TREE) return overlay;
    const size = this.ctx.deps.uploadFoldFiles ?? FOLD_FILES;
    let batch = new Map<string, FileEntry>();
    for await (const entry of this.ctx.deps.tree.scan(overlay)) {
      batch.set(entry.path, entry);
      if (batch.size >= size) {
        root = await this.putBatch(root, batch);
        batch = new Map();
      }
    }
    return batch.size > 0 ? this.putBatch(root, batch) : root;
  }

  /** A file cannot be put where a directory is, nor under a path that is a file (in the tree or in this batch). */
  private async checkPuts(root: TreeId, batch: Map<string, FileEntry>): Promise<void> {
    const tree = this.ctx.deps.tree;
    // Nothing in the tree sorts after `last`: a path beyond it has nothing under it there (the common case
    // when a sorted folder walk is folded batch after batch), so only paths up to it need a lookup.
    const last = await tree.lastPath(root);
    const inTree = (path: string) => last !== undefined && path <= last;
    const checkedDirs = new Set<string>();
    // The keys at once and indexed, not an iterator result per path (this loop awaits, and a fold holds 10,000).
    const paths = [...batch.keys()];
    for (let i = 0; i < paths.length; i++) {
      const path = paths[i]!;
      if (inTree(path) && (await tree.isDir(root, path))) throw new NotAFile(path, 'is a directory; delete it first to put a file there');
      for (let dir = parentDir(path); dir !== '/' && !checkedDirs.has(dir); dir = parentDir(dir)) {
        checkedDirs.add(dir);
        if (batch.has(dir)) throw new NotAFile(dir, `cannot be both a file and the directory of ${path}`);
        if (inTree(dir) && (await tree.get(root, dir))) throw new NotAFile(dir, `is a file, so ${path} cannot be created under it`);
      }
    }
  }
}

/** The stored entries of some puts, one per path (the later put of a path wins). */
async function entriesOf(puts: readonly PutOp[]): Promise<Map<string, FileEntry>> {
  const batch = new Map<string, FileEntry>();
  for (const op of puts) await addEntries(batch, op);
  return batch;
}

/** Adds the stored entries of a put op to `batch` (the later put of a path wins). */
async function addEntries(batch: Map<string, FileEntry>, op: PutOp): Promise<void> {
  if ('put' in op) {
    const entry = await op.put;
    batch.set(entry.path, entry);
    return;
  }
  // Entries made only now, at the fold, so that they die young.
  const contents = await op.puts;
  for (let i = 0; i < contents.length; i++) batch.set(op.paths[i]!, entryOf(op.paths[i]!, contents[i]!));
}

/** Records the paths a put op writes as the latest unfolded put of each. */
function indexPut(index: Map<string, Pending>, op: PutOp, seq: number): void {
  if ('put' in op) {
    index.set(op.path, { entry: op.put, seq, op });
    return;
  }
  op.paths.forEach((path, i) => {
    const entry = op.puts.then((contents) => entryOf(path, contents[i]!));
    entry.catch(() => undefined); // commit() sees the error
    index.set(path, { entry, seq, op });
  });
}

function entryOf(path: string, content: FileContent): FileEntry {
  return { path, size: content.size, hash: content.hash, content };
}

async function* concat(...sources: (AsyncIterable<Uint8Array> | Iterable<Uint8Array>)[]): AsyncIterable<Uint8Array> {
  for (const source of sources) yield* source;
}
