// The metadata store: the daemon's small records (repos, branches, commits,
// pipelines, jobs, S3 uploads) as JSON values in named tables, read by key or
// by key prefix and written in atomic batches. Every layer that keeps records
// declares its tables on one store, so a write touching two layers' tables is
// still one batch. Implementations: LevelDB on local disk
// (level-metadata-store.ts) and memory for tests (memory-metadata-store.ts);
// both run metadata-store.contract.ts. An external database for a replicated
// daemon plugs in here.
//
// Keys are strings ordered by their UTF-8 bytes. A prefix scan covers the keys
// k with prefix <= k < prefix + '\uffff' (every key that starts with the prefix
// and goes on with a character below U+FFFF); the empty prefix covers the
// whole table. Values are copies: changing a value read never changes the
// store, and fields holding `undefined` are dropped, as in JSON.

/** One write of a batch: built with a table's putOp and delOp. */
export type MetadataOp =
  | { readonly type: 'put'; readonly table: string; readonly key: string; readonly value: unknown }
  | { readonly type: 'del'; readonly table: string; readonly key: string };

/** A table of values of one type. */
export interface MetadataTable<V> {
  readonly name: string;
  /** The value under `key`, or undefined when there is none. */
  get(key: string): Promise<V | undefined>;
  /** The values whose keys start with `prefix`, in key order. */
  values(prefix: string): Promise<V[]>;
  /** As values(), one at a time, from a view taken when the iteration starts. */
  iterateValues(prefix: string): AsyncIterable<V>;
  /** The keys that start with `prefix`, in order. */
  keys(prefix: string): Promise<string[]>;
  /** A write of `value` under `key`, for batch(). */
  putOp(key: string, value: V): MetadataOp;
  /** A removal of `key` (nothing happens when it is absent), for batch(). */
  delOp(key: string): MetadataOp;
}

export interface MetadataStore {
  /** The table called `name` (created on first write); the same name always gives the same table. */
  table<V>(name: string): MetadataTable<V>;
  /**
   * Applies every operation in order, all or none. With `sync`, the writes are
   * durable (they survive a crash of the machine) before this returns; without
   * it, they survive a crash of the process.
   */
  batch(ops: readonly MetadataOp[], options: { sync: boolean }): Promise<void>;
  /**
   * A number that changes whenever a batch writing to `table` starts and again
   * when it ends: what a read of the table found stays true while this number
   * stays the same (for caches of tables that are rarely written).
   */
  writeCount(table: string): number;
  close(): Promise<void>;
}

/** The per-table counts behind MetadataStore.writeCount, for the implementations. */
export class WriteCounts {
  private readonly counts = new Map<string, number>();

  of(table: string): number {
    return this.counts.get(table) ?? 0;
  }

  /** Runs `write`, the batch of `ops`, counting each table it writes once as it starts and once as it ends (or fails). */
  async around(ops: readonly MetadataOp[], write: () => Promise<void>): Promise<void> {
    const tables = new Set(ops.map((op) => op.table));
    this.bump(tables);
    try {
      await write();
    } finally {
      this.bump(tables);
    }
  }

  private bump(tables: ReadonlySet<string>): void {
    for (const t of tables) this.counts.set(t, this.of(t) + 1);
  }
}

export function putOp(table: string, key: string, value: unknown): MetadataOp {
  return { type: 'put', table, key, value };
}

export function delOp(table: string, key: string): MetadataOp {
  return { type: 'del', table, key };
}

/** The upper bound of a prefix scan (exclusive), shared by every implementation. */
export const PREFIX_END = '\uffff';
