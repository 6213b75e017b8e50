// An ObjectStore held in memory: for unit tests of the layers above and for tools.
// Not used by the daemon. Applies the same key, range and page rules as the real
// backends so that code tested against it behaves the same on disk and on S3.
import { ObjectNotFound } from '../errors/index.js';
import { checkObjectKey, checkRange, compareKeys, pageLimit } from './object-key.js';
import type { Body, ListOptions, ListPage, ObjectStore } from './object-store.js';

export class MemoryStore implements ObjectStore {
  private readonly objects = new Map<string, Uint8Array>();

  async get(key: string): Promise<AsyncIterable<Uint8Array>> {
    const value = this.read(key);
    return (async function* () { yield value; })();
  }

  async getRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    checkRange(key, offset, length);
    return this.read(key).subarray(offset, offset + length);
  }

  async put(key: string, body: Body): Promise<void> {
    checkObjectKey(key);
    if (body instanceof Uint8Array) {
      this.objects.set(key, Uint8Array.from(body));
      return;
    }
    const parts: Uint8Array[] = [];
    for await (const part of body) parts.push(part);
    this.objects.set(key, Buffer.concat(parts));
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    const limit = pageLimit(options.limit);
    const after = options.after;
    const keys = [...this.objects.keys()]
      .filter((k) => k.startsWith(prefix) && (after === undefined || compareKeys(k, after) > 0))
      .sort(compareKeys);
    const page = keys.slice(0, limit);
    return { keys: page, next: keys.length > limit ? page[page.length - 1] : undefined };
  }

  async delete(key: string): Promise<void> {
    checkObjectKey(key);
    this.objects.delete(key);
  }

  async exists(key: string): Promise<boolean> {
    checkObjectKey(key);
    return this.objects.has(key);
  }

  async size(key: string): Promise<number | undefined> {
    checkObjectKey(key);
    return this.objects.get(key)?.length;
  }

  describe(): string {
    return 'memory://';
  }

  private read(key: string): Uint8Array {
    checkObjectKey(key);
    const value = this.objects.get(key);
    if (!value) throw new ObjectNotFound(key);
    return value;
  }
}
