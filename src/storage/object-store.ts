// The ObjectStore interface: the one place Tusk persists file content (chunk
// packs, tree nodes, pack indexes). Keys are '/'-separated strings without a
// leading slash; objects are immutable once written (a put of an existing key
// replaces it atomically, readers see the old or the new object, never a mix).
// Implementations: fs-store.ts (local disk), s3-store.ts (S3/MinIO),
// memory-store.ts (tests and tools), cache-store.ts (a local-disk read cache
// wrapped around another store).

export type Body = Uint8Array | AsyncIterable<Uint8Array>;

/** How put() may treat an object. */
export interface PutOptions {
  /**
   * The object is derived data that can be made again from other objects (a
   * pack's index object, from the pack's trailer): the store may skip making
   * it durable (no fsync), so a crash of the machine may lose or damage it.
   * It still appears under its key only once complete.
   */
  derived?: boolean;
}

/** An object being written (ObjectStore.openWriter). */
export interface ObjectWriter {
  /** Appends `bytes`; once this resolves the caller may change or reuse them. */
  write(bytes: Uint8Array): Promise<void>;
  /** Makes the object durable (unless derived) and puts it under its key, replacing what was there. */
  commit(): Promise<void>;
  /** Drops what was written; the key keeps what it held. Safe to call more than once, and after a failed write or commit. */
  abort(): Promise<void>;
}

export interface ListPage {
  keys: string[];
  /** Pass as `after` to get the next page; undefined when this was the last page. */
  next?: string;
}

export interface ListOptions {
  /** Only keys strictly greater than this one (lexicographic, by UTF-8 bytes). */
  after?: string;
  /** At most this many keys in the page: an integer >= 1 (default 1000). */
  limit?: number;
}

export interface ObjectStore {
  // Every method throws InvalidObjectKey for a key outside the rules of
  // object-key.ts, StorageUnavailable when the backend keeps failing (after
  // retries), StorageRejected when it refuses for good (permissions, no bucket).

  /**
   * Streams the whole object. Throws ObjectNotFound from the call itself, not
   * from the iteration. Iterate to the end or break out, so the file or
   * connection behind the stream is released.
   */
  get(key: string): Promise<AsyncIterable<Uint8Array>>;
  /** Reads `length` bytes from `offset`. Throws ObjectNotFound; a range past the end returns the bytes that exist (maybe none); InvalidArgument for negative numbers. */
  getRange(key: string, offset: number, length: number): Promise<Uint8Array>;
  /**
   * Optional: as getRange of `target.length` bytes, read into `target`
   * instead of new memory; resolves with the bytes read (fewer only at the
   * end of the object). Stores on a local disk have it, so a reader can reuse
   * its buffers (see readRangeInto). Throws as getRange.
   */
  readInto?(key: string, offset: number, target: Uint8Array): Promise<number>;
  /**
   * Writes the object from bytes or a stream; the object appears under `key`
   * only once complete and durable (see PutOptions.derived). If the stream
   * throws, put rethrows that very error and `key` keeps what it held before.
   * Chunks must not be changed after they are yielded (a backend may hold
   * them until a part is full).
   */
  put(key: string, body: Body, options?: PutOptions): Promise<void>;
  /**
   * Optional: starts an object written piece by piece, for a caller that
   * reuses its buffers (a pack writer): each write() is done with the bytes
   * once it resolves. Call write() one at a time, then commit() (the object
   * appears as after put()) or abort() (nothing appears). Stores on a local
   * disk have it; others take whole bodies through put().
   */
  openWriter?(key: string, options?: PutOptions): Promise<ObjectWriter>;
  /**
   * One page of keys starting with `prefix`, in lexicographic order of their
   * UTF-8 bytes. A page may hold fewer than `limit` keys and still have a
   * `next` (S3 caps pages at 1000).
   */
  list(prefix: string, options?: ListOptions): Promise<ListPage>;
  /** Deletes the key; deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  exists(key: string): Promise<boolean>;
  /** The object's size in bytes, or undefined if it does not exist. */
  size(key: string): Promise<number | undefined>;
  /** A short human description for logs ("file:///x", "s3://bucket/prefix/"). */
  describe(): string;
}

/** Iterates over every key under a prefix, page by page. */
export async function* listAll(store: ObjectStore, prefix: string, pageSize = 1000): AsyncIterable<string> {
  let after: string | undefined;
  for (;;) {
    const page = await store.list(prefix, { after, limit: pageSize });
    yield* page.keys;
    if (page.next === undefined) return;
    after = page.next;
  }
}

/** Reads bytes from `offset` of `key` into `target` (see ObjectStore.readInto); a copy of getRange's bytes when the store has no readInto. */
export async function readRangeInto(store: ObjectStore, key: string, offset: number, target: Uint8Array): Promise<number> {
  if (store.readInto) return store.readInto(key, offset, target);
  const bytes = await store.getRange(key, offset, target.length);
  target.set(bytes.subarray(0, target.length));
  return Math.min(bytes.length, target.length);
}

/** Reads a whole object into memory: only for small objects (pack indexes, tree nodes). */
export async function getBytes(store: ObjectStore, key: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of await store.get(key)) parts.push(part);
  return Buffer.concat(parts);
}
