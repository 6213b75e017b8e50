// PFS metadata: repos, branches, commits and the global-ID index, as tables
// of the daemon's metadata store, in key layouts that make the common listings
// prefix scans:
//   repos    name
//   branches repo/branch
//   commits  repo/id
//   log      repo/<inverted seq>      -> commit id (newest first)
//   sets     id/repo                  -> '' (every commit sharing a global ID)
// Writes that finish a commit are synced before they return. Nothing here
// holds file content.
import type { MetadataOp, MetadataStore, MetadataTable } from '../storage/metadata-store.js';
import type { BranchRecord, CommitRecord, RepoRecord } from './records.js';

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
  /** Per repo, the names of its branches that have a trigger, once read; write() keeps them exact. */
  private readonly triggered = new Map<string, Set<string>>();
  private readonly repos: MetadataTable<RepoRecord>;
  private readonly branches: MetadataTable<BranchRecord>;
  private readonly commits: MetadataTable<CommitRecord>;
  private readonly log: MetadataTable<string>;
  private readonly sets: MetadataTable<string>;
  private readonly meta: MetadataTable<number>;

  private constructor(private readonly store: MetadataStore) {
    this.repos = store.table('repos');
    this.branches = store.table('branches');
    this.commits = store.table('commits');
    this.log = store.table('log');
    this.sets = store.table('sets');
    this.meta = store.table('meta');
  }

  /** The PFS tables of `store`, with the sequence number where the last run left it. */
  static async open(store: MetadataStore): Promise<Metadata> {
    const md = new Metadata(store);
    md.seq = (await md.meta.get(SEQ_KEY)) ?? 0;
    return md;
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

  /**
   * The names of the repo's branches that have a trigger. Every finished commit asks (the trigger
   * scheduler), and few repos have any: the answer is read once and then kept up to date by write().
   */
  async triggeredBranches(repo: string): Promise<ReadonlySet<string>> {
    const known = this.triggered.get(repo);
    if (known) return known;
    const seen = this.store.writeCount(this.branches.name);
    const names = new Set((await this.listBranches(repo)).filter((b) => b.trigger).map((b) => b.name));
    // A write of branches that started or ended during the read may be missing from it: not kept then.
    if (this.store.writeCount(this.branches.name) === seen) this.triggered.set(repo, names);
    return names;
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

  /**
   * Applies all operations, and `extra` (other layers' records, written with them), atomically;
   * `sync` makes them durable before returning.
   */
  async write(ops: readonly WriteOp[], sync: boolean, extra: readonly MetadataOp[] = []): Promise<void> {
    const batch: MetadataOp[] = [];
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
    batch.push(...extra);
    try {
      await this.store.batch(batch, { sync });
    } catch (err) {
      for (const op of ops) this.triggered.delete(op.putBranch?.repo ?? op.delBranch?.repo ?? op.delRepo ?? '');
      throw err;
    }
    for (const op of ops) this.noteTriggers(op);
  }

  /** Brings the remembered triggered branches in line with a written op. */
  private noteTriggers(op: WriteOp): void {
    // In the order write() puts them in the batch.
    if (op.putBranch) {
      const names = this.triggered.get(op.putBranch.repo);
      if (op.putBranch.trigger) names?.add(op.putBranch.name);
      else names?.delete(op.putBranch.name);
    }
    if (op.delRepo !== undefined) this.triggered.delete(op.delRepo);
    if (op.delBranch) this.triggered.get(op.delBranch.repo)?.delete(op.delBranch.name);
  }
}
