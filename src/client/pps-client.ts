// The pipeline half of the typed client: pipelines, jobs, datums, logs and
// provenance (PpsApi), and the calls workers and sidecars make (WorkerApi).
import type { ClientWritableStream } from '@grpc/grpc-js';
import { StartedStream } from './started-stream.js';
import {
  PpsApiClient,
  WorkerApiClient,
  type Datum,
  type ExperimentDiffResponse,
  type ExperimentSummary,
  type ListExperimentsResponse,
  type DeleteExperimentResponse,
  type ExperimentRepo,
  type ImpactResponse,
  type ImpactRow,
  type PromoteResponse,
  type DatumOutputRequest,
  type DatumOutputResponse,
  type DatumRef,
  type Job,
  type ListJobResponse,
  type ListPipelineResponse,
  type LogLine,
  type NextTasksResponse,
  type Pipeline,
  type PipelineHistoryResponse,
  type PipelineVersion,
  type ProvenanceNode,
  type RegisterResponse,
  type RunCronResponse,
  type ListSecretResponse,
  type SecretInfo,
  type Task,
  type TaskResult,
  type WorkerSpec,
  type FinishTransactionResponse,
  type ListTransactionResponse,
  type TransactionInfo,
  type TransactionOp,
} from '../gen/tusk/pps.js';
import type { CommitRef } from '../gen/tusk/pfs.js';
import { CHANNEL_OPTIONS, connect, watchAnswer, serverStream, unary, type ConnectOptions } from './connection.js';
import { FileWriter } from './file-writer.js';
import { checkWorkerSpec } from './worker-spec.js';

export type { TransactionInfo, TransactionOp, FinishTransactionResponse };
export type { SecretInfo, Datum, Job, LogLine, Pipeline, PipelineVersion, ProvenanceNode, Task, TaskResult, NextTasksResponse, RegisterResponse, DatumOutputResponse, DatumRef, WorkerSpec };

/** A worker's registration: the pipeline version and its spec (always there, checked). */
export type Registration = RegisterResponse & { spec: WorkerSpec };

export class PpsClient {
  readonly pps: PpsApiClient;

  constructor(address: string, options: ConnectOptions = {}) {
    this.pps = new PpsApiClient(...connect(address, CHANNEL_OPTIONS, options));
    watchAnswer(this.pps, options);
  }

  close(): void {
    this.pps.close();
  }

  /** Creates (or with `update`, updates) a pipeline from a YAML or JSON spec text. */
  createPipeline(spec: string, options: { update?: boolean; reprocess?: boolean; branch?: string; dryRun?: boolean } = {}): Promise<Pipeline> {
    return unary((cb) => this.pps.createPipeline({ spec, update: options.update ?? false, reprocess: options.reprocess ?? false, branch: options.branch ?? '', dryRun: options.dryRun ?? false }, cb));
  }
  /** Stores a secret (its values go in and never come back out). */
  createSecret(name: string, data: Record<string, Buffer>): Promise<SecretInfo> {
    return unary((cb) => this.pps.createSecret({ name, data }, cb));
  }
  async listSecrets(): Promise<SecretInfo[]> {
    return (await unary<ListSecretResponse>((cb) => this.pps.listSecret({}, cb))).secrets;
  }
  inspectSecret(name: string): Promise<SecretInfo> {
    return unary((cb) => this.pps.inspectSecret({ name }, cb));
  }
  async deleteSecret(name: string): Promise<void> {
    await unary((cb) => this.pps.deleteSecret({ name }, cb));
  }
  inspectPipeline(name: string): Promise<Pipeline> {
    return unary((cb) => this.pps.inspectPipeline({ name, force: false, keepRepo: false }, cb));
  }
  /** The newest version and the `previous` ones before it (all when negative), newest first. */
  async pipelineHistory(name: string, previous: number): Promise<PipelineVersion[]> {
    return (await unary<PipelineHistoryResponse>((cb) => this.pps.pipelineHistory({ name, history: previous }, cb))).versions;
  }
  async listPipelines(): Promise<Pipeline[]> {
    return (await unary<ListPipelineResponse>((cb) => this.pps.listPipeline({}, cb))).pipelines;
  }
  async deletePipeline(name: string, force = false, keepRepo = false): Promise<void> {
    await unary((cb) => this.pps.deletePipeline({ name, force, keepRepo }, cb));
  }
  stopPipeline(name: string): Promise<Pipeline> {
    return unary((cb) => this.pps.stopPipeline({ name, force: false, keepRepo: false }, cb));
  }
  startPipeline(name: string): Promise<Pipeline> {
    return unary((cb) => this.pps.startPipeline({ name, force: false, keepRepo: false }, cb));
  }
  runPipeline(name: string, branch = ''): Promise<Job> {
    return unary((cb) => this.pps.runPipeline({ name, branch }, cb));
  }
  async experimentDiff(branch: string): Promise<ExperimentRepo[]> {
    return (await unary<ExperimentDiffResponse>((cb) => this.pps.experimentDiff({ branch }, cb))).repos;
  }
  promoteExperiment(branch: string): Promise<PromoteResponse> {
    return unary((cb) => this.pps.promoteExperiment({ branch }, cb));
  }
  async listExperiments(): Promise<ExperimentSummary[]> {
    return (await unary<ListExperimentsResponse>((cb) => this.pps.listExperiments({}, cb))).experiments;
  }
  deleteExperiment(branch: string): Promise<DeleteExperimentResponse> {
    return unary((cb) => this.pps.deleteExperiment({ branch }, cb));
  }
  /** What a change would run: `ref` (an open commit or a branch head) or `spec` (a spec file's text). */
  async impact(change: { ref?: string; spec?: string; branch?: string; reprocess?: boolean }): Promise<ImpactRow[]> {
    const req = { ref: change.ref ?? '', spec: change.spec ?? '', branch: change.branch ?? '', reprocess: change.reprocess ?? false };
    return (await unary<ImpactResponse>((cb) => this.pps.impact(req, cb))).rows;
  }
  /** Ticks a pipeline's cron inputs now (one of them with `input`); the tick commits. */
  async runCron(name: string, input = ''): Promise<CommitRef[]> {
    return (await unary<RunCronResponse>((cb) => this.pps.runCron({ name, input }, cb))).commits;
  }

  async listJobs(pipeline = ''): Promise<Job[]> {
    return (await unary<ListJobResponse>((cb) => this.pps.listJob({ pipeline }, cb))).jobs;
  }
  inspectJob(pipeline: string, id: string, wait = false): Promise<Job> {
    return unary((cb) => this.pps.inspectJob({ pipeline, id, wait }, cb));
  }
  async *listDatums(pipeline: string, job: string): AsyncIterable<Datum> {
    for await (const batch of serverStream(this.pps.listDatum({ pipeline, job, spec: '', branch: '', reprocess: false }))) yield* batch.datums;
  }
  /** The datums a job of this spec would have now (skipped: an earlier result would be reused), without creating anything. */
  async *proposedDatums(spec: string, branch = '', reprocess = false): AsyncIterable<Datum> {
    for await (const batch of serverStream(this.pps.listDatum({ pipeline: '', job: '', spec, branch, reprocess }))) yield* batch.datums;
  }
  inspectDatum(pipeline: string, job: string, datum: string): Promise<Datum> {
    return unary((cb) => this.pps.inspectDatum({ pipeline, job, datum }, cb));
  }
  restartDatum(pipeline: string, job: string, datum: string): Promise<Job> {
    return unary((cb) => this.pps.restartDatum({ pipeline, job, datum }, cb));
  }
  stopJob(pipeline: string, id: string): Promise<Job> {
    return unary((cb) => this.pps.stopJob({ pipeline, id, wait: false }, cb));
  }
  async deleteJob(pipeline: string, id: string): Promise<void> {
    await unary((cb) => this.pps.deleteJob({ pipeline, id, wait: false }, cb));
  }
  async *logs(options: { pipeline: string; job?: string; datum?: string; follow?: boolean }): AsyncIterable<LogLine> {
    yield* serverStream(this.pps.getLogs({ pipeline: options.pipeline, job: options.job ?? '', datum: options.datum ?? '', follow: options.follow ?? false }));
  }

  provenance(ref: string): Promise<ProvenanceNode> {
    return unary((cb) => this.pps.provenance({ ref }, cb));
  }
  subvenance(ref: string): Promise<ProvenanceNode> {
    return unary((cb) => this.pps.subvenance({ ref }, cb));
  }

  startTransaction(): Promise<TransactionInfo> {
    return unary((cb) => this.pps.startTransaction({}, cb));
  }
  /** Records an op in transaction `id` (fields its kind does not use may be left out). */
  addTransactionOp(id: string, op: Partial<TransactionOp> & { kind: string }): Promise<TransactionInfo> {
    const full: TransactionOp = { branch: '', head: '', commit: '', description: '', spec: '', update: false, reprocess: false, summary: '', ...op };
    return unary((cb) => this.pps.addTransactionOp({ id, op: full }, cb));
  }
  finishTransaction(id: string): Promise<FinishTransactionResponse> {
    return unary((cb) => this.pps.finishTransaction({ id }, cb));
  }
  async deleteTransaction(id: string): Promise<void> {
    await unary((cb) => this.pps.deleteTransaction({ id }, cb));
  }
  async listTransactions(): Promise<TransactionInfo[]> {
    return (await unary<ListTransactionResponse>((cb) => this.pps.listTransaction({}, cb))).transactions;
  }
  inspectTransaction(id: string): Promise<TransactionInfo> {
    return unary((cb) => this.pps.inspectTransaction({ id }, cb));
  }
}

/** What a worker (and its sidecar) says to the coordinator. */
export class WorkerClient {
  readonly worker: WorkerApiClient;

  constructor(address: string, options: ConnectOptions = {}) {
    this.worker = new WorkerApiClient(...connect(address, CHANNEL_OPTIONS, options));
    watchAnswer(this.worker, options);
  }

  close(): void {
    this.worker.close();
  }

  /** Registers a worker; the answer's spec is checked (BadWorkerMessage). */
  async register(pipeline: string, worker: string): Promise<Registration> {
    const res = await unary<RegisterResponse>((cb) => this.worker.register({ pipeline, worker }, cb));
    return { ...res, spec: checkWorkerSpec(res.spec) };
  }
  /**
   * Long-polls for up to `max` tasks, waiting at most `waitMs` when none is ready. The answer
   * carries its version's spec (checked) unless that version is `knownVersion`.
   */
  async nextTasks(pipeline: string, worker: string, max: number, waitMs: number, knownVersion = 0): Promise<NextTasksResponse> {
    const res = await unary<NextTasksResponse>((cb) => this.worker.nextTasks({ pipeline, worker, max, waitMs, knownVersion }, cb));
    return res.spec ? { ...res, spec: checkWorkerSpec(res.spec) } : res;
  }
  /**
   * Says, datum by datum, that the worker is about to run a leased datum's code (only such datums count a
   * try if the worker is lost): over one stream, a unary call each against an older daemon (started-stream.ts).
   */
  startedStream(pipeline: string, worker: string): StartedStream {
    return new StartedStream(this.worker, pipeline, worker);
  }
  /** Results without an inline output may leave out `inlineOutput` and `outputFiles`; unmeasured ones `cpuMs` and `peakMemoryBytes`. */
  async report(pipeline: string, worker: string, results: (Omit<TaskResult, 'inlineOutput' | 'outputFiles' | 'cpuMs' | 'peakMemoryBytes'> & Partial<Pick<TaskResult, 'inlineOutput' | 'outputFiles' | 'cpuMs' | 'peakMemoryBytes'>>)[], logs: LogLine[] = []): Promise<void> {
    const full = results.map((r) => ({ ...r, inlineOutput: r.inlineOutput ?? false, outputFiles: r.outputFiles ?? [], cpuMs: r.cpuMs ?? 0, peakMemoryBytes: r.peakMemoryBytes ?? 0 }));
    await unary((cb) => this.worker.report({ pipeline, worker, results: full, logs }, cb));
  }
  /** Opens an upload of one datum's output files; close() stores them and returns the output ID (abort() stores nothing). */
  putDatumOutput(datum: DatumRef): FileWriter<DatumOutputResponse> {
    let call!: ClientWritableStream<DatumOutputRequest>;
    const done = new Promise<DatumOutputResponse>((resolve, reject) => {
      call = this.worker.putDatumOutput((err, res) => (err ? reject(err) : resolve(res!)));
    });
    call.write({ open: datum });
    return new FileWriter(call, done, { close: true });
  }
}
