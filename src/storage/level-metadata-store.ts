// The metadata store on LevelDB (classic-level): one sublevel per table, JSON
// values, batches through LevelDB's atomic write batch, point reads
// synchronous (see get). The directory is
// locked while open: a second daemon on the same home fails to open it.
import { ClassicLevel } from 'classic-level';
import { delOp, PREFIX_END, putOp, WriteCounts, type MetadataOp, type MetadataStore, type MetadataTable } from './metadata-store.js';

type Db = ClassicLevel<string, unknown>;
type Sublevel = ReturnType<Db['sublevel']>;

export class LevelMetadataStore implements MetadataStore {
  private readonly tables = new Map<string, LevelTable<unknown>>();
  private readonly budget = new TurnBudget();
  private readonly writes = new WriteCounts();

  private constructor(private readonly db: Db) {}

  /** Opens (creating it if needed) the database in `dir`; fails when another process holds it. */
  static async open(dir: string): Promise<LevelMetadataStore> {
    const db = new ClassicLevel<string, unknown>(dir, { valueEncoding: 'json' });
    await db.open();
    return new LevelMetadataStore(db);
  }

  table<V>(name: string): MetadataTable<V> {
    let table = this.tables.get(name);
    if (!table) {
      table = new LevelTable(name, this.db.sublevel<string, unknown>(name, { valueEncoding: 'json' }) as unknown as Sublevel, this.budget);
      this.tables.set(name, table);
    }
    return table as MetadataTable<V>;
  }

  /**
   * One LevelDB write batch, built on the root database with each key already carrying its table's
   * sublevel prefix and each value already in JSON: the same bytes the sublevels would write (they
   * read them back as ever), without abstract-level's per-operation copying and encoder look-ups,
   * a third of a put's CPU time at a few puts per datum.
   */
  async batch(ops: readonly MetadataOp[], options: { sync: boolean }): Promise<void> {
    if (ops.length === 0) return;
    const batch = this.db.batch();
    try {
      for (const op of ops) {
        const key = (this.table(op.table) as LevelTable<unknown>).sublevel.prefix + op.key; // '!table!key'
        if (op.type === 'del') batch.del(key, RAW);
        else batch.put(key, jsonOf(op.value), RAW);
      }
    } catch (err) {
      await batch.close();
      throw err;
    }
    await this.writes.around(ops, () => batch.write({ sync: options.sync } as never));
  }

  writeCount(table: string): number {
    return this.writes.of(table);
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

/** Keys and values of a root batch are written as given: the prefix and the JSON are in the strings. */
const RAW = { keyEncoding: 'utf8', valueEncoding: 'utf8' } as const;

/** A value as the sublevels' `json` encoding stores it; refuses what it would refuse (no value). */
function jsonOf(value: unknown): string {
  const text = JSON.stringify(value) as string | undefined;
  if (text === undefined || value === null) throw new TypeError('a metadata value cannot be null or undefined');
  return text;
}

/** Synchronous point reads allowed in one turn of the event loop; past it reads go through the thread pool, letting I/O in. */
const SYNC_READS_PER_TURN = 256;

/** Counts the synchronous reads of the current turn of the event loop (shared by a store's tables). */
class TurnBudget {
  private reads = 0;

  take(): boolean {
    if (this.reads === 0) setImmediate(() => (this.reads = 0));
    return ++this.reads <= SYNC_READS_PER_TURN;
  }
}

class LevelTable<V> implements MetadataTable<V> {
  constructor(readonly name: string, readonly sublevel: Sublevel, private readonly budget: TurnBudget) {}

  /**
   * Read synchronously: a point read of this small, hot database is a few microseconds in LevelDB's
   * memtable and caches, while an asynchronous one is a round trip through libuv's thread pool (a
   * wake-up and two context switches), which was most of its cost at several reads per S3 PUT. A
   * long loop of reads (a scan of every commit) still yields to I/O, after each SYNC_READS_PER_TURN.
   */
  async get(key: string): Promise<V | undefined> {
    // A sublevel made a moment ago is still opening (it opens after its database, deferred): ask it the usual way.
    if (this.sublevel.status !== 'open' || !this.budget.take()) return (await this.sublevel.get(key)) as V | undefined;
    return this.sublevel.getSync(key) as V | undefined;
  }

  async values(prefix: string): Promise<V[]> {
    return (await this.sublevel.values(range(prefix)).all()) as V[];
  }

  async *iterateValues(prefix: string): AsyncIterable<V> {
    for await (const v of this.sublevel.values(range(prefix))) yield v as V;
  }

  async keys(prefix: string): Promise<string[]> {
    return (await this.sublevel.keys(range(prefix)).all()) as string[];
  }

  putOp(key: string, value: V): MetadataOp {
    return putOp(this.name, key, value);
  }

  delOp(key: string): MetadataOp {
    return delOp(this.name, key);
  }
}

function range(prefix: string): { gte?: string; lt?: string } {
  return prefix === '' ? {} : { gte: prefix, lt: prefix + PREFIX_END };
}
