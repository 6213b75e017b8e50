// An ObjectStore held in memory: for unit tests of the layers above and for tools.
// Not used by the daemon.
import { ObjectNotFound } from '../errors/index.js';
import type { Body, ListOptions, ListPage, ObjectStore } from './object-store.js';

export class MemoryStore implements ObjectStore {
  private readonly objects = new Map<string, Uint8Array>();

  async get(key: string): Promise<AsyncIterable<Uint8Array>> {
    const value = this.read(key);
    return (async function* () { yield value; })();
  }

  async getRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    return this.read(key).subarray(offset, offset + length);
  }

  async put(key: string, body: Body): Promise<void> {
    if (body instanceof Uint8Array) {
      this.objects.set(key, Uint8Array.from(body));
      return;
    }
    const parts: Uint8Array[] = [];
    for await (const part of body) parts.push(part);
    this.objects.set(key, Buffer.concat(parts));
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    const limit = options.limit ?? 1000;
    const keys = [...this.objects.keys()]
      .filter((k) => k.startsWith(prefix) && (options.after === undefined || Buffer.compare(Buffer.from(k), Buffer.from(options.after)) > 0))
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const page = keys.slice(0, limit);
    return { keys: page, next: keys.length > limit ? page[page.length - 1] : undefined };
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }

  async exists(key: string): Promise<boolean> {
    return this.objects.has(key);
  }

  async size(key: string): Promise<number | undefined> {
    return this.objects.get(key)?.length;
  }

  describe(): string {
    return 'memory://';
  }

  private read(key: string): Uint8Array {
    const value = this.objects.get(key);
    if (!value) throw new ObjectNotFound(key);
    return value;
  }
}
