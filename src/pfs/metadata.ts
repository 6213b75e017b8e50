// PFS metadata on LevelDB: repos, branches, commits and the global-ID index,
// in key layouts that make the common listings prefix scans:
//   repos    name
//   branches repo/branch
//   commits  repo/id
//   log      repo/<inverted seq>      -> commit id (newest first)
//   sets     id/repo                  -> '' (every commit sharing a global ID)
// Writes that finish a commit are synced before they return. Nothing here
// holds file content.
import { ClassicLevel } from 'classic-level';
import type { BranchRecord, CommitRecord, RepoRecord } from './records.js';
import { Table, type TableOp } from './table.js';

export interface WriteOp {
  putRepo?: RepoRecord;
  putBranch?: BranchRecord;
  putCommit?: CommitRecord;
  delRepo?: string;
  delBranch?: { repo: string; name: string };
  delCommit?: CommitRecord;
}

const SEQ_KEY = 'seq';

function invSeq(seq: number): string {
  return (Number.MAX_SAFE_INTEGER - seq).toString(16).padStart(14, '0');
}

export class Metadata {
  private seq = 0;
  private readonly repos: Table<RepoRecord>;
  private readonly branches: Table<BranchRecord>;
  private readonly commits: Table<CommitRecord>;
  private readonly log: Table<string>;
  private readonly sets: Table<string>;
  private readonly meta: Table<number>;

  private constructor(private readonly db: ClassicLevel<string, unknown>) {
    this.repos = new Table(db, 'repos');
    this.branches = new Table(db, 'branches');
    this.commits = new Table(db, 'commits');
    this.log = new Table(db, 'log');
    this.sets = new Table(db, 'sets');
    this.meta = new Table(db, 'meta');
  }

  static async open(dir: string): Promise<Metadata> {
    const db = new ClassicLevel<string, unknown>(dir, { valueEncoding: 'json' });
    await db.open();
    const md = new Metadata(db);
    md.seq = (await md.meta.get(SEQ_KEY)) ?? 0;
    return md;
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  /** The next creation sequence number (persisted with the commit that uses it). */
  nextSeq(): number {
    return ++this.seq;
  }

  getRepo(name: string): Promise<RepoRecord | undefined> {
    return this.repos.get(name);
  }

  listRepos(): Promise<RepoRecord[]> {
    return this.repos.values('');
  }

  getBranch(repo: string, name: string): Promise<BranchRecord | undefined> {
    return this.branches.get(`${repo}/${name}`);
  }

  listBranches(repo: string): Promise<BranchRecord[]> {
    return this.branches.values(`${repo}/`);
  }

  getCommit(repo: string, id: string): Promise<CommitRecord | undefined> {
    return this.commits.get(`${repo}/${id}`);
  }

  /** Commits of a repo, newest first. */
  async *listCommits(repo: string): AsyncIterable<CommitRecord> {
    for await (const id of this.log.iterateValues(`${repo}/`)) {
      const commit = await this.getCommit(repo, id);
      if (commit) yield commit;
    }
  }

  /** The repos that have a commit with this global ID. */
  async commitSet(id: string): Promise<string[]> {
    return (await this.sets.keys(`${id}/`)).map((k) => k.slice(id.length + 1));
  }

  /** Another typed table in the same database, for the metadata of higher layers (pipelines, jobs). */
  table<V>(name: string): Table<V> {
    return new Table<V>(this.db, name);
  }

  /** Applies operations built with Table.putOp/delOp atomically. */
  async apply(ops: TableOp[], sync: boolean): Promise<void> {
    if (ops.length > 0) await this.db.batch(ops as never, { sync } as never);
  }

  /** Applies all operations atomically; `sync` makes them durable before returning. */
  async write(ops: WriteOp[], sync: boolean): Promise<void> {
    const batch: unknown[] = [];
    for (const op of ops) {
      if (op.putRepo) batch.push(this.repos.putOp(op.putRepo.name, op.putRepo));
      if (op.putBranch) batch.push(this.branches.putOp(`${op.putBranch.repo}/${op.putBranch.name}`, op.putBranch));
      if (op.putCommit) {
        const c = op.putCommit;
        batch.push(this.commits.putOp(`${c.repo}/${c.id}`, c));
        batch.push(this.log.putOp(`${c.repo}/${invSeq(c.seq)}`, c.id));
        batch.push(this.sets.putOp(`${c.id}/${c.repo}`, ''));
        batch.push(this.meta.putOp(SEQ_KEY, this.seq));
      }
      if (op.delRepo) batch.push(this.repos.delOp(op.delRepo));
      if (op.delBranch) batch.push(this.branches.delOp(`${op.delBranch.repo}/${op.delBranch.name}`));
      if (op.delCommit) {
        const c = op.delCommit;
        batch.push(this.commits.delOp(`${c.repo}/${c.id}`));
        batch.push(this.log.delOp(`${c.repo}/${invSeq(c.seq)}`));
        batch.push(this.sets.delOp(`${c.id}/${c.repo}`));
      }
    }
    await this.db.batch(batch as never, { sync } as never);
  }
}
