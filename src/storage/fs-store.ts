// FsStore: an ObjectStore on a local directory, one file per object.
//
// Layout: key "packs/ab/cdef" is the file ROOT/packs%/ab%/cdef. Directory names
// carry a trailing '%' so that "a" (an object) and "a/b" (an object under the
// prefix "a/") can both exist, as in S3. Inside a segment '%' is written as
// "%25" and a leading '.' as "%2E", so no object or directory name ever ends in
// a bare '%' or starts with '.', and ROOT/.tmp (in-progress writes) can never
// collide with a key.
//
// Durability: put (and a writer from openWriter) streams into
// ROOT/.tmp/<pid>.<random>, fsyncs it, renames it
// into place and fsyncs the directory, so after a crash a key holds either the
// old or the new object. A derived object (PutOptions.derived: a pack's index)
// is renamed into place without either fsync: a crash of the machine may lose
// or damage it, never show it half-written to a running reader. Temp files of
// dead processes are removed on open.
// Empty directories left by deletes are kept (harmless, and removing them
// would race with concurrent puts).
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidObjectKey, ObjectNotFound, StorageRejected, StorageUnavailable } from '../errors/index.js';
import { checkObjectKey, checkRange, compareKeys, pageLimit } from './object-key.js';
import type { Body, ListOptions, ListPage, ObjectStore, ObjectWriter, PutOptions } from './object-store.js';

const TMP_DIR = '.tmp';
/** Temp files older than this are removed on open even if their process still seems alive (pid reuse). */
const STALE_TMP_MS = 24 * 3600 * 1000;
const MAX_NAME_BYTES = 255;
const READ_CHUNK = 256 * 1024;
/** Directories put() has made or seen, remembered up to this many (then forgotten and learnt again). */
const KNOWN_DIRS = 4096;
/**
 * Largest single write(): the kernel gives a write's page cache folios of up
 * to its size (the largest power of two not above it), and 2 MiB ones come
 * from the free blocks that this VM's balloon (free page reporting, in 2 MiB
 * blocks) has handed back to the host, each costly to touch again. Measured
 * with dd, 256 MiB into a new file on /dev/vda 8 s after freeing that much
 * (system CPU-s, conv=fsync, two runs each): 0.53-0.61 with 2 MiB writes,
 * 0.10 with 1.5 MiB or 1 MiB, 0.11 with 512 KiB (an earlier series: 0.75-0.78
 * with 16 MiB). So a piece is under 2 MiB, and as large as that allows: a
 * large put's pack writes (stages of 1 MiB, runs of lent chunks of 1 MiB to
 * 1.25 MiB) are then one write each. Split into 512 KiB pieces written at
 * once, the pieces of one write queued on the file's inode lock (optimistic
 * spinning) and cost a pool round trip each: 1 GiB put in a fresh daemon,
 * chrt -r 1, 10 alternating rounds at load 10-17: wall 1251-1647 -> 1122-1373
 * ms (8 of 10 lower), daemon 1.98-2.21 -> 1.90-2.17 CPU-s.
 */
const WRITE_PIECE = 1536 * 1024;

export class FsStore implements ObjectStore {
  readonly root: string;
  /** Settles once the root exists and stale temp files are gone; every operation waits for it. */
  readonly ready: Promise<void>;
  /** Directories known to exist: put() skips their mkdir (a rename that finds one gone makes it again). */
  private readonly dirs = new Set<string>();

  constructor(root: string) {
    this.root = resolve(root);
    this.ready = this.prepare();
    this.ready.catch(() => undefined); // surfaced by the first operation, not as an unhandled rejection
  }

  /** Opens (creating if needed) a store and waits until it is usable. */
  static async open(root: string): Promise<FsStore> {
    const store = new FsStore(root);
    await store.ready;
    return store;
  }

  async get(key: string): Promise<AsyncIterable<Uint8Array>> {
    const file = this.pathOf(key);
    await this.ready;
    const handle = await this.openForRead(key, file, 'get');
    return guardStream(handle.createReadStream({ highWaterMark: READ_CHUNK }), 'get', key);
  }

  async getRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    checkRange(key, offset, length);
    return this.readRange('getRange', key, async (handle) => {
      const { size } = await handle.stat();
      const out = Buffer.allocUnsafe(Math.max(0, Math.min(length, size - offset)));
      return out.subarray(0, await fill(handle, out, offset));
    });
  }

  /**
   * Reads until `target` is full or the file ends, without asking its size
   * first: a large get reads a pack group after group while its output
   * writes keep the thread pool busy, and each call here waits its turn
   * there (open, read; the close is not waited for).
   */
  async readInto(key: string, offset: number, target: Uint8Array): Promise<number> {
    checkRange(key, offset, target.length);
    return this.readRange('readInto', key, (handle) => fill(handle, target, offset));
  }

  /** Runs `read` on the object's open file; errors become storage errors. */
  private async readRange<T>(op: string, key: string, read: (handle: FileHandle) => Promise<T>): Promise<T> {
    const file = this.pathOf(key);
    await this.ready;
    const handle = await this.openForRead(key, file, op);
    try {
      return await read(handle);
    } catch (err) {
      throw fsFailure(op, key, err);
    } finally {
      void handle.close().catch(() => undefined); // nothing waits on it: the bytes are read
    }
  }

  async put(key: string, body: Body, options: PutOptions = {}): Promise<void> {
    const writer = await this.openWriter(key, options);
    try {
      if (body instanceof Uint8Array) await writer.write(body);
      else for await (const chunk of body) await writer.write(chunk); // errors of `body` propagate unchanged
    } catch (err) {
      await writer.abort();
      throw err;
    }
    await writer.commit();
  }

  async openWriter(key: string, options: PutOptions = {}): Promise<ObjectWriter> {
    const file = this.pathOf(key);
    await this.ready;
    const tmp = join(this.root, TMP_DIR, `${process.pid}.${randomBytes(8).toString('hex')}`);
    let handle: FileHandle;
    try {
      handle = await open(tmp, 'wx', 0o644);
    } catch (err) {
      throw fsFailure('put', key, err);
    }
    return new TempFileWriter(handle, tmp, key, options.derived === true, async () => {
      await this.place(tmp, file);
      return dirname(file);
    });
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    const limit = pageLimit(options.limit);
    await this.ready;
    const dirSegments = prefix.split('/');
    dirSegments.pop(); // the partial last segment is matched inside the walk
    if (dirSegments.some((s) => s === '' || s === '.' || s === '..' || s.includes('\0'))) return { keys: [] };
    const start = join(this.root, ...dirSegments.map((s) => escapeSegment(s) + '%'));
    const base = dirSegments.map((s) => s + '/').join('');
    const keys: string[] = [];
    for await (const key of this.walk(start, base, prefix, options.after)) {
      keys.push(key);
      if (keys.length > limit) break; // one extra key tells us there is a next page
    }
    const page = keys.slice(0, limit);
    return { keys: page, next: keys.length > limit ? page[page.length - 1] : undefined };
  }

  async delete(key: string): Promise<void> {
    const file = this.pathOf(key);
    await this.ready;
    try {
      await unlink(file);
    } catch (err) {
      if (isMissing(err)) return;
      throw fsFailure('delete', key, err);
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.size(key)) !== undefined;
  }

  async size(key: string): Promise<number | undefined> {
    const file = this.pathOf(key);
    await this.ready;
    try {
      const st = await stat(file);
      return st.isFile() ? st.size : undefined;
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw fsFailure('size', key, err);
    }
  }

  describe(): string {
    return pathToFileURL(this.root).href;
  }

  /** The file that holds `key`; throws InvalidObjectKey for keys that could leave the root. */
  private pathOf(key: string): string {
    const segments = checkObjectKey(key);
    const names = segments.map((s, i) => (i < segments.length - 1 ? escapeSegment(s) + '%' : escapeSegment(s)));
    for (const name of names) {
      if (Buffer.byteLength(name) > MAX_NAME_BYTES) throw new InvalidObjectKey(key, `a segment is longer than the file system allows (${MAX_NAME_BYTES} bytes)`);
    }
    return join(this.root, ...names);
  }

  private async openForRead(key: string, file: string, operation: string): Promise<FileHandle> {
    try {
      return await open(file, 'r');
    } catch (err) {
      if (isMissing(err)) throw new ObjectNotFound(key);
      throw fsFailure(operation, key, err);
    }
  }

  /** Keys under directory `dir` (whose keys all start with `base`) that match `prefix` and sort after `after`, in order. */
  private async *walk(dir: string, base: string, prefix: string, after: string | undefined): AsyncGenerator<string> {
    let dirents;
    try {
      dirents = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (isMissing(err)) return;
      throw fsFailure('list', base, err);
    }
    const entries: { sortKey: string; isDir: boolean; name: string }[] = [];
    for (const d of dirents) {
      if (d.name.startsWith('.')) continue; // temp files and anything not ours
      if (d.isDirectory() && d.name.endsWith('%')) entries.push({ sortKey: unescapeSegment(d.name.slice(0, -1)) + '/', isDir: true, name: d.name });
      else if (d.isFile() && !d.name.endsWith('%')) entries.push({ sortKey: unescapeSegment(d.name), isDir: false, name: d.name });
    }
    // A directory sorts as "name/": its keys all lie between that and the next sibling.
    entries.sort((a, b) => compareKeys(a.sortKey, b.sortKey));
    for (const entry of entries) {
      const full = base + entry.sortKey;
      if (entry.isDir) {
        if (!full.startsWith(prefix) && !prefix.startsWith(full)) continue;
        if (after !== undefined && !after.startsWith(full) && compareKeys(after, full) > 0) continue; // every key inside is <= after
        yield* this.walk(join(dir, entry.name), full, prefix, after);
      } else {
        if (!full.startsWith(prefix)) continue;
        if (after !== undefined && compareKeys(full, after) <= 0) continue;
        yield full;
      }
    }
  }

  /** Renames the temp file to `file`, making its directory first unless it is known to exist. */
  private async place(tmp: string, file: string): Promise<void> {
    const dir = dirname(file);
    if (this.dirs.has(dir)) {
      try {
        return await rename(tmp, file);
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT') throw err;
        this.dirs.delete(dir); // removed underneath us: make it again
      }
    }
    await this.makeParents(dir);
    await rename(tmp, file);
    if (this.dirs.size >= KNOWN_DIRS) this.dirs.clear();
    this.dirs.add(dir);
  }

  /** mkdir -p, then fsync the parent of every directory it created so the new entries survive a crash. */
  private async makeParents(dir: string): Promise<void> {
    const first = await mkdir(dir, { recursive: true });
    if (first === undefined) return;
    for (let d = dir; ; d = dirname(d)) {
      await syncDir(dirname(d));
      if (d === first || dirname(d) === d) break;
    }
  }

  private async prepare(): Promise<void> {
    const tmpDir = join(this.root, TMP_DIR);
    try {
      await mkdir(tmpDir, { recursive: true });
    } catch (err) {
      throw fsFailure('open', this.root, err);
    }
    const now = Date.now();
    for (const name of await readdir(tmpDir).catch(() => [] as string[])) {
      const pid = Number(name.split('.')[0]);
      const path = join(tmpDir, name);
      const st = await stat(path).catch(() => undefined);
      if (!st) continue;
      const abandoned = !Number.isSafeInteger(pid) || !processAlive(pid) || now - st.mtimeMs > STALE_TMP_MS;
      if (abandoned) await rm(path, { force: true, recursive: true }).catch(() => undefined);
    }
  }
}

/** An object being written into its temp file; commit() fsyncs it (unless derived), renames it into place and fsyncs the directory. */
class TempFileWriter implements ObjectWriter {
  private placed = false;
  /** Where the next write goes (writes come one after another; each one's pieces go at their offsets at once). */
  private offset = 0;

  constructor(
    private readonly handle: FileHandle,
    private readonly tmp: string,
    private readonly key: string,
    private readonly derived: boolean,
    /** Renames the temp file into place; resolves with the directory it went to. */
    private readonly place: () => Promise<string>,
  ) {}

  write(bytes: Uint8Array): Promise<void> {
    const at = this.offset;
    this.offset += bytes.length;
    return writeAt(this.handle, bytes, at, this.key);
  }

  async commit(): Promise<void> {
    try {
      await guard('put', this.key, async () => {
        if (!this.derived) await this.handle.sync();
        await this.handle.close();
        const dir = await this.place();
        this.placed = true;
        if (!this.derived) await syncDir(dir);
      });
    } finally {
      if (!this.placed) await this.abort();
    }
  }

  async abort(): Promise<void> {
    if (this.placed) return;
    await this.handle.close().catch(() => undefined);
    await rm(this.tmp, { force: true }).catch(() => undefined);
  }
}

/** Escapes one key segment into a file name (see the head comment). */
export function escapeSegment(segment: string): string {
  const escaped = segment.replace(/%/g, '%25');
  return escaped.startsWith('.') ? '%2E' + escaped.slice(1) : escaped;
}

export function unescapeSegment(name: string): string {
  return name.replace(/%(25|2E)/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * Writes all of `bytes` at `position`: its pieces of WRITE_PIECE all at once,
 * each on a thread of the pool (finishing its short writes), so the next
 * piece's write is already waiting when one ends instead of being issued
 * only once the main thread has seen it end. Settles once every piece has;
 * rejects with the first failure.
 */
async function writeAt(handle: FileHandle, bytes: Uint8Array, position: number, key: string): Promise<void> {
  const pieces: Promise<void>[] = [];
  for (let at = 0; at < bytes.length; at += WRITE_PIECE) pieces.push(writePiece(handle, bytes.subarray(at, Math.min(bytes.length, at + WRITE_PIECE)), position + at, key));
  const failed = (await Promise.allSettled(pieces)).find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}

async function writePiece(handle: FileHandle, piece: Uint8Array, position: number, key: string): Promise<void> {
  let done = 0;
  while (done < piece.length) {
    try {
      const { bytesWritten } = await handle.write(piece, done, piece.length - done, position + done);
      done += bytesWritten;
    } catch (err) {
      throw fsFailure('put', key, err);
    }
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function guard<T>(operation: string, key: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw fsFailure(operation, key, err);
  }
}

/** Wraps a file stream so read errors surface as Tusk errors. */
async function* guardStream(stream: AsyncIterable<Uint8Array>, operation: string, key: string): AsyncGenerator<Uint8Array> {
  try {
    yield* stream;
  } catch (err) {
    throw fsFailure(operation, key, err);
  }
}

function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && typeof (err as NodeJS.ErrnoException).code === 'string' ? (err as NodeJS.ErrnoException).code : undefined;
}

function isMissing(err: unknown): boolean {
  const code = errnoCode(err);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** A file-system error as a Tusk error: permission problems will not go away by retrying; the rest might. */
/** Reads from `offset` until `target` is full or the file ends (truncated underneath us: what exists); the count read. */
async function fill(handle: FileHandle, target: Uint8Array, offset: number): Promise<number> {
  let filled = 0;
  while (filled < target.length) {
    const { bytesRead } = await handle.read(target, filled, target.length - filled, offset + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled;
}

function fsFailure(operation: string, key: string, err: unknown): Error {
  const code = errnoCode(err);
  const reason = `${key}: ${err instanceof Error ? err.message : String(err)}`;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return new StorageRejected(operation, reason);
  return new StorageUnavailable(operation, reason, { cause: err });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === 'EPERM'; // exists, owned by someone else
  }
}
