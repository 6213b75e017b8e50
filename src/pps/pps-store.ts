// Pipeline metadata as tables of the daemon's metadata store, in key layouts
// made for the common look-ups:
//   pipelines  name
//   versions   name/<version>              -> spec of each version
//   jobs       pipeline/id
//   joblog     pipeline/<inverted seq>     -> id (newest first)
//   alljobs    <inverted seq>              -> pipeline/id
//   datums     pipeline/job/datumId        -> the datum's state in that job
//   results    pipeline/datumId            -> reusable output of a datum ID
//   subv       repo/id/downRepo/downId     -> '' (what was computed from a commit)
//   txns       id                          -> an open transaction's ops (transactions.ts)
import type { CommitRefRecord } from '../pfs/index.js';
import type { MetadataOp, MetadataStore, MetadataTable } from '../storage/metadata-store.js';
import type { DatumResultRecord, JobDatumRecord, JobRecord, PipelineRecord, TransactionRecord } from './records.js';
import type { PipelineSpec } from './spec.js';

function invSeq(seq: number): string {
  return (Number.MAX_SAFE_INTEGER - seq).toString(16).padStart(14, '0');
}

export class PpsStore {
  readonly pipelines: MetadataTable<PipelineRecord>;
  readonly versions: MetadataTable<PipelineSpec>;
  readonly jobs: MetadataTable<JobRecord>;
  private readonly joblog: MetadataTable<string>;
  private readonly alljobs: MetadataTable<string>;
  readonly datums: MetadataTable<JobDatumRecord>;
  readonly results: MetadataTable<DatumResultRecord>;
  private readonly subv: MetadataTable<string>;
  readonly transactions: MetadataTable<TransactionRecord>;
  private seq = Date.now();
  /** The pipelines table's write count when it was last read empty (see listPipelines). */
  private emptyAt?: number;

  constructor(private readonly meta: MetadataStore) {
    this.pipelines = meta.table('pps-pipelines');
    this.versions = meta.table('pps-versions');
    this.jobs = meta.table('pps-jobs');
    this.joblog = meta.table('pps-joblog');
    this.alljobs = meta.table('pps-alljobs');
    this.datums = meta.table('pps-datums');
    this.results = meta.table('pps-results');
    this.subv = meta.table('pps-subv');
    this.transactions = meta.table('pps-txns');
  }

  /** A creation order for jobs that survives restarts (time-based, strictly increasing). */
  nextJobSeq(): number {
    this.seq = Math.max(this.seq + 1, Date.now());
    return this.seq;
  }

  apply(ops: MetadataOp[], sync = true): Promise<void> {
    return this.meta.batch(ops, { sync });
  }

  getPipeline(name: string): Promise<PipelineRecord | undefined> {
    return this.pipelines.get(name);
  }

  async listPipelines(): Promise<PipelineRecord[]> {
    // Every finished commit asks (pps.ts onCommit), and most daemons have no pipeline at all: an empty
    // table is remembered, by its write count, instead of scanned again.
    const seen = this.meta.writeCount(this.pipelines.name);
    if (this.emptyAt === seen) return [];
    const pipelines = await this.pipelines.values('');
    this.emptyAt = pipelines.length === 0 ? seen : undefined;
    return pipelines;
  }

  putPipelineOps(p: PipelineRecord): MetadataOp[] {
    return [this.pipelines.putOp(p.name, p), this.versions.putOp(`${p.name}/${String(p.version).padStart(8, '0')}`, p.spec)];
  }

  getVersion(name: string, version: number): Promise<PipelineSpec | undefined> {
    return this.versions.get(`${name}/${String(version).padStart(8, '0')}`);
  }

  /** Every stored version of a pipeline (main line and branch ones), oldest first. */
  async versionsOf(name: string): Promise<{ version: number; spec: PipelineSpec }[]> {
    const keys = await this.versions.keys(`${name}/`);
    const specs = await this.versions.values(`${name}/`);
    return keys.map((k, i) => ({ version: Number(k.slice(name.length + 1)), spec: specs[i]! }));
  }

  /** The newest version number of a pipeline on any branch (0 if none). */
  async lastVersion(name: string): Promise<number> {
    const keys = await this.versions.keys(`${name}/`);
    return keys.length === 0 ? 0 : Number(keys[keys.length - 1]!.slice(name.length + 1));
  }

  putVersionOp(name: string, version: number, spec: PipelineSpec): MetadataOp {
    return this.versions.putOp(`${name}/${String(version).padStart(8, '0')}`, spec);
  }

  getJob(pipeline: string, id: string): Promise<JobRecord | undefined> {
    return this.jobs.get(`${pipeline}/${id}`);
  }

  putJobOps(job: JobRecord): MetadataOp[] {
    return [
      this.jobs.putOp(`${job.pipeline}/${job.id}`, job),
      this.joblog.putOp(`${job.pipeline}/${invSeq(job.seq)}`, job.id),
      this.alljobs.putOp(invSeq(job.seq), `${job.pipeline}/${job.id}`),
    ];
  }

  async putJob(job: JobRecord): Promise<void> {
    await this.apply(this.putJobOps(job));
  }

  /** Jobs newest first, of one pipeline or of all. */
  async listJobs(pipeline?: string): Promise<JobRecord[]> {
    const keys = pipeline
      ? (await this.joblog.values(`${pipeline}/`)).map((id) => `${pipeline}/${id}`)
      : await this.alljobs.values('');
    const jobs = await Promise.all(keys.map((k) => this.jobs.get(k)));
    return jobs.filter((j): j is JobRecord => j !== undefined);
  }

  /** A job's records and its datums' (`delete job`); results stay, for reuse. */
  async deleteJobOps(job: JobRecord): Promise<MetadataOp[]> {
    const ops: MetadataOp[] = [this.jobs.delOp(`${job.pipeline}/${job.id}`), this.joblog.delOp(`${job.pipeline}/${invSeq(job.seq)}`), this.alljobs.delOp(invSeq(job.seq))];
    for (const k of await this.datums.keys(`${job.pipeline}/${job.id}/`)) ops.push(this.datums.delOp(k));
    return ops;
  }

  async deletePipelineOps(name: string): Promise<MetadataOp[]> {
    const ops: MetadataOp[] = [this.pipelines.delOp(name)];
    for (const k of await this.versions.keys(`${name}/`)) ops.push(this.versions.delOp(k));
    for (const job of await this.listJobs(name)) {
      ops.push(this.jobs.delOp(`${name}/${job.id}`), this.joblog.delOp(`${name}/${invSeq(job.seq)}`), this.alljobs.delOp(invSeq(job.seq)));
    }
    for (const k of await this.datums.keys(`${name}/`)) ops.push(this.datums.delOp(k));
    for (const k of await this.results.keys(`${name}/`)) ops.push(this.results.delOp(k));
    return ops;
  }

  datumKey(pipeline: string, job: string, datum: string): string {
    return `${pipeline}/${job}/${datum}`;
  }

  listJobDatums(pipeline: string, job: string): Promise<JobDatumRecord[]> {
    return this.datums.values(`${pipeline}/${job}/`);
  }

  getResult(pipeline: string, datum: string): Promise<DatumResultRecord | undefined> {
    return this.results.get(`${pipeline}/${datum}`);
  }

  resultOp(pipeline: string, datum: string, result: DatumResultRecord): MetadataOp {
    return this.results.putOp(`${pipeline}/${datum}`, result);
  }

  subvenanceOps(from: CommitRefRecord[], to: { repo: string; id: string }): MetadataOp[] {
    return from.map((f) => this.subv.putOp(`${f.repo}/${f.id}/${to.repo}/${to.id}`, ''));
  }

  /** Forgets the subvenance records of a removed commit: what was computed from it, and its own entries under its inputs. */
  async forgetCommitOps(commit: { repo: string; id: string; provenance: readonly CommitRefRecord[] }): Promise<MetadataOp[]> {
    const ops = (await this.subv.keys(`${commit.repo}/${commit.id}/`)).map((k) => this.subv.delOp(k));
    for (const p of commit.provenance) ops.push(this.subv.delOp(`${p.repo}/${p.id}/${commit.repo}/${commit.id}`));
    return ops;
  }

  /** The commits computed directly from `repo@id`. */
  async subvenance(repo: string, id: string): Promise<{ repo: string; id: string }[]> {
    return (await this.subv.keys(`${repo}/${id}/`)).map((k) => {
      const [downRepo, downId] = k.slice(repo.length + id.length + 2).split('/');
      return { repo: downRepo!, id: downId! };
    });
  }

  /** Every datum output the pipeline system keeps (each job's datums, and the results kept for reuse): roots of garbage collection. */
  async *keptOutputs(): AsyncIterable<{ owner: string; tree: string }> {
    for await (const d of this.datums.iterateValues('')) if (d.output) yield { owner: `datum ${d.id}`, tree: d.output };
    for await (const r of this.results.iterateValues('')) if (r.output) yield { owner: `datum result of job ${r.job}`, tree: r.output };
  }
}
