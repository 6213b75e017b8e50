// The metadata store in memory, for tests of the layers above: values are
// kept as JSON text (so they are copies, as from LevelDB), scans sort keys in
// UTF-8 byte order with LevelDB's prefix bounds, and a batch is encoded
// whole before any of it is applied (all or none). Nothing survives close().
import { delOp, PREFIX_END, putOp, WriteCounts, type MetadataOp, type MetadataStore, type MetadataTable } from './metadata-store.js';

export class MemoryMetadataStore implements MetadataStore {
  private readonly tables = new Map<string, MemoryTable<unknown>>();
  private readonly writes = new WriteCounts();

  table<V>(name: string): MetadataTable<V> {
    let table = this.tables.get(name);
    if (!table) {
      table = new MemoryTable(name);
      this.tables.set(name, table);
    }
    return table as MetadataTable<V>;
  }

  async batch(ops: readonly MetadataOp[], _options: { sync: boolean }): Promise<void> {
    const encoded = ops.map((op) => ({ op, text: op.type === 'put' ? JSON.stringify(op.value) : '' }));
    await this.writes.around(ops, async () => {
      for (const { op, text } of encoded) {
        const rows = (this.table(op.table) as MemoryTable<unknown>).rows;
        if (op.type === 'put') rows.set(op.key, text);
        else rows.delete(op.key);
      }
    });
  }

  writeCount(table: string): number {
    return this.writes.of(table);
  }

  async close(): Promise<void> {
    this.tables.clear();
  }
}

class MemoryTable<V> implements MetadataTable<V> {
  readonly rows = new Map<string, string>();

  constructor(readonly name: string) {}

  async get(key: string): Promise<V | undefined> {
    const text = this.rows.get(key);
    return text === undefined ? undefined : (JSON.parse(text) as V);
  }

  async values(prefix: string): Promise<V[]> {
    return this.scan(prefix).map(([, text]) => JSON.parse(text) as V);
  }

  async *iterateValues(prefix: string): AsyncIterable<V> {
    for (const [, text] of this.scan(prefix)) yield JSON.parse(text) as V;
  }

  async keys(prefix: string): Promise<string[]> {
    return this.scan(prefix).map(([key]) => key);
  }

  putOp(key: string, value: V): MetadataOp {
    return putOp(this.name, key, value);
  }

  delOp(key: string): MetadataOp {
    return delOp(this.name, key);
  }

  /** The rows in the prefix's range, in key order: a copy, so later writes do not change it. */
  private scan(prefix: string): [string, string][] {
    const end = prefix + PREFIX_END;
    const rows = [...this.rows].filter(([key]) => prefix === '' || (compareUtf8(key, prefix) >= 0 && compareUtf8(key, end) < 0));
    return rows.sort(([a], [b]) => compareUtf8(a, b));
  }
}

/** Orders strings as LevelDB orders their UTF-8 bytes, which is code point order. */
export function compareUtf8(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(i)!;
    if (ca !== cb) return ca - cb;
    i += ca > 0xffff ? 2 : 1;
  }
  return a.length - b.length;
}
