// A typed view of one LevelDB sublevel holding JSON values: the small surface
// metadata.ts needs (get, prefix scans, batch operations).
import type { ClassicLevel } from 'classic-level';

type Db = ClassicLevel<string, unknown>;
type Sublevel = ReturnType<Db['sublevel']>;

export type TableOp = ReturnType<Table<unknown>['putOp']> | ReturnType<Table<unknown>['delOp']>;

export class Table<V> {
  readonly sublevel: Sublevel;

  constructor(db: Db, name: string) {
    this.sublevel = db.sublevel<string, V>(name, { valueEncoding: 'json' }) as unknown as Sublevel;
  }

  async get(key: string): Promise<V | undefined> {
    return (await this.sublevel.get(key)) as V | undefined;
  }

  /** Values whose keys start with `prefix`, in key order. */
  async values(prefix: string): Promise<V[]> {
    return (await this.sublevel.values(range(prefix)).all()) as V[];
  }

  async *iterateValues(prefix: string): AsyncIterable<V> {
    for await (const v of this.sublevel.values(range(prefix))) yield v as V;
  }

  async *iterate(prefix: string): AsyncIterable<[string, V]> {
    for await (const [k, v] of this.sublevel.iterator(range(prefix))) yield [k as string, v as V];
  }

  async keys(prefix: string): Promise<string[]> {
    return (await this.sublevel.keys(range(prefix)).all()) as string[];
  }

  putOp(key: string, value: V) {
    return { type: 'put' as const, sublevel: this.sublevel, key, value };
  }

  delOp(key: string) {
    return { type: 'del' as const, sublevel: this.sublevel, key };
  }
}

function range(prefix: string): { gte?: string; gt?: string; lt?: string } {
  return prefix === '' ? {} : { gte: prefix, lt: prefix + '\uffff' };
}
