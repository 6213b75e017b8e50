// An in-memory BlobStore for tests and tools: a map from ID to bytes that
// counts puts and gets, so tests can assert how many nodes an operation wrote
// or read. `raw` is exposed so tests can damage stored bytes.
import { ObjectNotFound } from '../errors/index.js';
import type { BlobStore } from '../storage/blob-store.js';

export class MemoryBlobs implements BlobStore {
  readonly raw = new Map<string, Uint8Array>();
  /** put calls that stored something new. */
  puts = 0;
  gets = 0;

  async put(id: string, bytes: Uint8Array): Promise<boolean> {
    if (this.raw.has(id)) return false;
    this.raw.set(id, bytes.slice());
    this.puts++;
    return true;
  }

  async get(id: string): Promise<Uint8Array> {
    this.gets++;
    const bytes = this.raw.get(id);
    if (!bytes) throw new ObjectNotFound(id);
    return bytes.slice();
  }

  async has(id: string): Promise<boolean> {
    return this.raw.has(id);
  }

  async flush(): Promise<void> {}

  resetCounts(): void {
    this.puts = 0;
    this.gets = 0;
  }
}
