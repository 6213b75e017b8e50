// CacheStore: a bounded read cache on local disk in front of another
// ObjectStore, for immutable objects (Tusk's packs never change once written).
// Ranged reads, and whole reads of small objects, are kept as files under
// `dir`; the least recently used are evicted once the files pass `maxBytes`.
// Each cache file starts with the sha256 of its bytes, so a damaged or
// vanished file is noticed and the read simply goes to the inner store.
// Writes, deletes, listings and sizes always go to the inner store; a put or
// delete also drops what is cached for that key.
//
// Files: DIR/<sha256(key) first 32 hex>.<offset>.<length> for a range,
// DIR/<...>.all for a whole object, DIR/.tmp/ for files being written. The
// recency order is kept in memory; on open it is rebuilt from modification
// times.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InvalidArgument } from '../errors/index.js';
import { checkObjectKey, checkRange } from './object-key.js';
import type { Body, ListOptions, ListPage, ObjectStore, PutOptions } from './object-store.js';

export interface CacheStoreOptions {
  /** Whole objects up to this size are cached by get() too (default 1 MiB; 0 turns that off). */
  maxWholeObjectBytes?: number;
}

export interface CacheStats {
  /** Reads served from the cache (or by joining a read of the same range already in flight). */
  hits: number;
  /** Reads that went to the inner store. */
  misses: number;
  evictions: number;
  /** Cache files found damaged or missing (then read from the inner store). */
  damaged: number;
  entries: number;
  bytes: number;
}

interface Entry {
  keyHash: string;
  bytes: number;
}

const HASH_BYTES = 32;
const NAME = /^([0-9a-f]{32})\.(\d+\.\d+|all)$/;

export class CacheStore implements ObjectStore {
  readonly dir: string;
  readonly ready: Promise<void>;
  private readonly maxWholeObjectBytes: number;
  /** Cache files in recency order: the first is the least recently used. */
  private readonly entries = new Map<string, Entry>();
  private readonly byKey = new Map<string, Set<string>>();
  private readonly inflight = new Map<string, Promise<Uint8Array>>();
  /** Bumped by every put and delete of a key, so a read that started before one does not cache stale bytes. */
  private readonly generations = new Map<string, number>();
  private totalBytes = 0;
  private counters = { hits: 0, misses: 0, evictions: 0, damaged: 0 };

  constructor(readonly inner: ObjectStore, dir: string, readonly maxBytes: number, options: CacheStoreOptions = {}) {
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new InvalidArgument('InvalidCacheSize', `cache size must be an integer >= 0, got ${maxBytes}`, { maxBytes });
    this.dir = resolve(dir);
    this.maxWholeObjectBytes = options.maxWholeObjectBytes ?? 1024 * 1024;
    this.ready = this.load();
    this.ready.catch(() => undefined); // surfaced by the first read
  }

  stats(): CacheStats {
    return { ...this.counters, entries: this.entries.size, bytes: this.totalBytes };
  }

  async get(key: string): Promise<AsyncIterable<Uint8Array>> {
    checkObjectKey(key);
    if (this.maxWholeObjectBytes === 0) return this.inner.get(key);
    const keyHash = hashKey(key);
    const name = `${keyHash}.all`;
    const cached = await this.readEntry(name);
    if (cached) return once(cached);
    const generation = this.generation(key);
    const stream = await this.inner.get(key);
    this.counters.misses++;
    return this.teeIntoCache(stream, key, keyHash, name, generation);
  }

  async getRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    checkObjectKey(key);
    checkRange(key, offset, length);
    if (length === 0) return this.inner.getRange(key, offset, length);
    const keyHash = hashKey(key);
    const name = `${keyHash}.${offset}.${length}`;
    const cached = await this.readEntry(name);
    if (cached) return cached;
    const joined = this.inflight.get(name);
    if (joined) {
      this.counters.hits++;
      return joined;
    }
    const generation = this.generation(key);
    const fetching = (async () => {
      this.counters.misses++;
      const bytes = await this.inner.getRange(key, offset, length);
      if (this.generation(key) === generation) await this.store(keyHash, name, bytes);
      return bytes;
    })();
    this.inflight.set(name, fetching);
    try {
      return await fetching;
    } finally {
      this.inflight.delete(name);
    }
  }

  async put(key: string, body: Body, options?: PutOptions): Promise<void> {
    checkObjectKey(key);
    this.bump(key);
    try {
      await this.inner.put(key, body, options);
    } finally {
      await this.drop(key);
    }
  }

  async delete(key: string): Promise<void> {
    checkObjectKey(key);
    this.bump(key);
    await this.drop(key);
    await this.inner.delete(key);
  }

  list(prefix: string, options?: ListOptions): Promise<ListPage> {
    return this.inner.list(prefix, options);
  }

  exists(key: string): Promise<boolean> {
    return this.inner.exists(key);
  }

  size(key: string): Promise<number | undefined> {
    return this.inner.size(key);
  }

  describe(): string {
    return `${this.inner.describe()} (cached in ${this.dir})`;
  }

  /** The cached bytes under `name` if present and intact; a damaged file is dropped. */
  private async readEntry(name: string): Promise<Uint8Array | undefined> {
    await this.ready;
    const entry = this.entries.get(name);
    if (!entry) return undefined;
    let file: Buffer | undefined;
    try {
      file = await readFile(join(this.dir, name));
    } catch {
      file = undefined;
    }
    const content = file && file.length >= HASH_BYTES ? file.subarray(HASH_BYTES) : undefined;
    if (!file || !content || !sha256(content).equals(file.subarray(0, HASH_BYTES))) {
      this.counters.damaged++;
      await this.evict(name, false);
      return undefined;
    }
    this.entries.delete(name); // move to the most recently used end
    this.entries.set(name, entry);
    this.counters.hits++;
    return content;
  }

  /** Writes a cache file and makes room for it. Failing to cache never fails the read. */
  private async store(keyHash: string, name: string, content: Uint8Array): Promise<void> {
    const bytes = HASH_BYTES + content.length;
    if (bytes > this.maxBytes) return;
    const tmp = join(this.dir, '.tmp', randomBytes(8).toString('hex'));
    try {
      await writeFile(tmp, Buffer.concat([sha256(content), content]));
      await rename(tmp, join(this.dir, name));
    } catch {
      await rm(tmp, { force: true }).catch(() => undefined);
      return;
    }
    const old = this.entries.get(name);
    if (old) this.forget(name, old);
    this.remember(name, { keyHash, bytes });
    for (const [oldest] of this.entries) {
      if (this.totalBytes <= this.maxBytes) break;
      await this.evict(oldest, true);
    }
  }

  private teeIntoCache(stream: AsyncIterable<Uint8Array>, key: string, keyHash: string, name: string, generation: number): AsyncIterable<Uint8Array> {
    const limit = this.maxWholeObjectBytes;
    const self = this;
    return (async function* () {
      let kept: Uint8Array[] | undefined = [];
      let size = 0;
      for await (const chunk of stream) {
        size += chunk.length;
        if (kept && size <= limit) kept.push(Uint8Array.from(chunk));
        else kept = undefined; // too big to cache: stop collecting
        yield chunk;
      }
      if (kept && self.generation(key) === generation) await self.store(keyHash, name, Buffer.concat(kept));
    })();
  }

  private async drop(key: string): Promise<void> {
    await this.ready.catch(() => undefined);
    const names = this.byKey.get(hashKey(key));
    if (!names) return;
    for (const name of [...names]) await this.evict(name, false);
  }

  private async evict(name: string, countIt: boolean): Promise<void> {
    const entry = this.entries.get(name);
    if (entry) this.forget(name, entry);
    if (countIt) this.counters.evictions++;
    await unlink(join(this.dir, name)).catch(() => undefined);
  }

  private remember(name: string, entry: Entry): void {
    this.entries.set(name, entry);
    this.totalBytes += entry.bytes;
    let names = this.byKey.get(entry.keyHash);
    if (!names) this.byKey.set(entry.keyHash, (names = new Set()));
    names.add(name);
  }

  private forget(name: string, entry: Entry): void {
    this.entries.delete(name);
    this.totalBytes -= entry.bytes;
    const names = this.byKey.get(entry.keyHash);
    names?.delete(name);
    if (names?.size === 0) this.byKey.delete(entry.keyHash);
  }

  private generation(key: string): number {
    return this.generations.get(key) ?? 0;
  }

  private bump(key: string): void {
    this.generations.set(key, this.generation(key) + 1);
  }

  /** Rebuilds the index from the files a previous run left, oldest first, and trims it to size. */
  private async load(): Promise<void> {
    await mkdir(join(this.dir, '.tmp'), { recursive: true });
    for (const name of await readdir(join(this.dir, '.tmp'))) await rm(join(this.dir, '.tmp', name), { force: true, recursive: true });
    const found: { name: string; entry: Entry; mtime: number }[] = [];
    for (const name of await readdir(this.dir)) {
      const match = NAME.exec(name);
      if (!match) continue;
      const st = await stat(join(this.dir, name)).catch(() => undefined);
      if (st?.isFile()) found.push({ name, entry: { keyHash: match[1]!, bytes: st.size }, mtime: st.mtimeMs });
    }
    found.sort((a, b) => a.mtime - b.mtime);
    for (const { name, entry } of found) this.remember(name, entry);
    for (const [oldest] of this.entries) {
      if (this.totalBytes <= this.maxBytes) break;
      await this.evict(oldest, true);
    }
  }
}

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 32);
}

function sha256(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}
