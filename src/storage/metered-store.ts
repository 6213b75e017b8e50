// An ObjectStore wrapper that reports each request (operation, outcome,
// latency), the bytes read and written and the objects written and deleted
// to a meter the caller hands in (the daemon's /metrics). It changes nothing
// about the requests themselves.
import { readRangeInto, type Body, type ListOptions, type ListPage, type ObjectStore, type ObjectWriter, type PutOptions } from './object-store.js';

export interface StoreMeter {
  request(op: string, ok: boolean, seconds: number): void;
  bytes(direction: 'read' | 'written', n: number): void;
  objects(op: 'put' | 'delete'): void;
}

export class MeteredStore implements ObjectStore {
  /** The inner store's, metered, if it has one: a written object counts as one put, timed from open to commit. */
  readonly openWriter?: (key: string, options?: PutOptions) => Promise<ObjectWriter>;

  constructor(readonly inner: ObjectStore, private readonly meter: StoreMeter) {
    if (inner.openWriter) this.openWriter = (key, options) => this.meteredWriter(inner.openWriter!.bind(inner), key, options);
  }

  async get(key: string): Promise<AsyncIterable<Uint8Array>> {
    const data = await this.time('get', () => this.inner.get(key));
    const meter = this.meter;
    return (async function* () {
      for await (const chunk of data) {
        meter.bytes('read', chunk.length);
        yield chunk;
      }
    })();
  }

  async getRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    const bytes = await this.time('getRange', () => this.inner.getRange(key, offset, length));
    this.meter.bytes('read', bytes.length);
    return bytes;
  }

  async readInto(key: string, offset: number, target: Uint8Array): Promise<number> {
    const n = await this.time('getRange', () => readRangeInto(this.inner, key, offset, target));
    this.meter.bytes('read', n);
    return n;
  }

  async put(key: string, body: Body, options?: PutOptions): Promise<void> {
    const meter = this.meter;
    const counted: Body = body instanceof Uint8Array ? body : (async function* () {
      for await (const chunk of body) {
        meter.bytes('written', chunk.length);
        yield chunk;
      }
    })();
    await this.time('put', () => this.inner.put(key, counted, options));
    if (body instanceof Uint8Array) meter.bytes('written', body.length);
    meter.objects('put');
  }

  list(prefix: string, options?: ListOptions): Promise<ListPage> {
    return this.time('list', () => this.inner.list(prefix, options));
  }

  async delete(key: string): Promise<void> {
    await this.time('delete', () => this.inner.delete(key));
    this.meter.objects('delete');
  }

  exists(key: string): Promise<boolean> {
    return this.time('exists', () => this.inner.exists(key));
  }

  size(key: string): Promise<number | undefined> {
    return this.time('size', () => this.inner.size(key));
  }

  describe(): string {
    return this.inner.describe();
  }

  private async meteredWriter(open: (key: string, options?: PutOptions) => Promise<ObjectWriter>, key: string, options?: PutOptions): Promise<ObjectWriter> {
    const start = process.hrtime.bigint();
    const meter = this.meter;
    let ended = false;
    const end = (ok: boolean) => {
      if (ended) return;
      ended = true;
      meter.request('put', ok, Number(process.hrtime.bigint() - start) / 1e9);
    };
    let writer: ObjectWriter;
    try {
      writer = await open(key, options);
    } catch (err) {
      end(false);
      throw err;
    }
    return {
      async write(bytes) {
        await writer.write(bytes);
        meter.bytes('written', bytes.length);
      },
      async commit() {
        try {
          await writer.commit();
        } catch (err) {
          end(false);
          throw err;
        }
        end(true);
        meter.objects('put');
      },
      async abort() {
        await writer.abort();
        end(false);
      },
    };
  }

  private async time<T>(op: string, fn: () => Promise<T>): Promise<T> {
    const start = process.hrtime.bigint();
    let ok = false;
    try {
      const result = await fn();
      ok = true;
      return result;
    } finally {
      this.meter.request(op, ok, Number(process.hrtime.bigint() - start) / 1e9);
    }
  }
}
