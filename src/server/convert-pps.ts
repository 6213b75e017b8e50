// Pipeline-system records → generated protobuf messages.
import { describeOp, quantityBytes } from '../pps/index.js';
import type { DatumUsageSummary, ExperimentRepo, ImpactRow, Input, JobDatumRecord, JobRecord, LogEntry, PipelineRecord, PipelineSpec, ProvenanceNode, TransactionOp, TransactionRecord } from '../pps/index.js';
import type { Datum, ExperimentRepo as ExperimentRepoMsg, ImpactRow as ImpactRowMsg, Job, LogLine, Pipeline, ProvenanceNode as ProvenanceMsg, TransactionInfo, TransactionOp as TransactionOpMsg, Worker as WorkerMsg, WorkerSpec } from '../gen/tusk/pps.js';
import { InvalidArgument } from '../errors/index.js';

export function pipelineMsg(p: PipelineRecord, workers: number, branchVersions: readonly { branch: string; version: number; spec: unknown }[] = [], datumUsage?: DatumUsageSummary, workerList: readonly WorkerMsg[] = []): Pipeline {
  return {
    name: p.name,
    version: p.version,
    state: p.state,
    specJson: JSON.stringify(p.spec),
    created: p.created,
    description: p.spec.description,
    reason: p.reason,
    outputBranch: p.spec.outputBranch,
    workers,
    branchVersions: branchVersions.map((b) => ({ branch: b.branch, version: b.version, specJson: JSON.stringify(b.spec) })),
    datumUsage,
    workerList: [...workerList],
  };
}

export function jobMsg(j: JobRecord): Job {
  return {
    id: j.id,
    pipeline: j.pipeline,
    pipelineVersion: j.version,
    state: j.state,
    datums: { ...j.datums },
    outputCommit: j.id,
    started: j.started,
    finished: j.finished ?? '',
    reason: j.reason,
    inputs: j.inputs.map((i) => ({ repo: i.repo, branch: i.branch, id: i.id })),
    branch: j.branch,
  };
}

export function datumMsg(pipeline: string, job: string, d: JobDatumRecord): Datum {
  return {
    id: d.id,
    job,
    pipeline,
    state: d.state,
    files: d.files.map((f) => ({ input: f.input, path: f.path, sizeBytes: f.size, hash: f.hash })),
    tries: d.tries,
    durationMs: d.durationMs,
    cpuMs: d.cpuMs ?? 0,
    peakMemoryBytes: d.peakMemoryBytes ?? 0,
    reason: d.reason,
  };
}

export function logMsg(e: LogEntry): LogLine {
  return { ...e };
}

export function provenanceMsg(n: ProvenanceNode): ProvenanceMsg {
  return {
    commit: n.commit,
    origin: n.origin,
    pipeline: n.pipeline ?? '',
    pipelineVersion: n.pipelineVersion ?? 0,
    children: n.children.map(provenanceMsg),
  };
}

export function experimentRepoMsg(r: ExperimentRepo): ExperimentRepoMsg {
  return {
    repo: r.repo,
    branch: r.branch,
    base: r.base,
    head: r.head,
    baseHead: r.baseHead,
    isPipeline: Boolean(r.pipeline),
    version: r.pipeline?.version ?? 0,
    baseVersion: r.pipeline?.baseVersion ?? 0,
    added: r.added,
    modified: r.modified,
    deleted: r.deleted,
    bytesAdded: r.bytesAdded,
    bytesModified: r.bytesModified,
    bytesDeleted: r.bytesDeleted,
  };
}

export function impactRowMsg(r: ImpactRow): ImpactRowMsg {
  return { pipeline: r.pipeline, branch: r.branch, version: r.version, exact: r.exact, total: r.datums?.total ?? 0, run: r.datums?.run ?? 0, reused: r.datums?.reused ?? 0, note: r.note };
}

/** What a worker runs by, out of a pipeline spec (transform.image is the runtime's; secrets are resolved by the worker API). */
export function workerSpecMsg(spec: PipelineSpec): WorkerSpec {
  const t = spec.transform;
  const memory = spec.resourceLimits?.memory;
  return {
    cmd: [...t.cmd],
    stdin: [...t.stdin],
    env: { ...t.env },
    errCmd: [...t.errCmd],
    errStdin: [...t.errStdin],
    acceptReturnCode: [...t.acceptReturnCode],
    workingDir: t.workingDir,
    datumBatching: t.datumBatching,
    datumTries: spec.datumTries,
    datumTimeoutMs: spec.datumTimeoutMs ?? 0,
    isolateNetwork: spec.sandboxSpec?.network === false,
    secretEnv: [],
    secretMounts: [],
    user: t.user,
    memoryLimitBytes: memory ? (quantityBytes(memory) ?? 0) : 0,
    memoryLimit: memory ?? '',
    s3Inputs: s3Inputs(spec.input),
    s3Out: Boolean(spec.s3Out),
    spout: Boolean(spec.spout),
    spoutOverwrite: spec.spout?.overwrite ?? false,
  };
}

const NO_OP: TransactionOpMsg = { kind: '', branch: '', head: '', commit: '', description: '', spec: '', update: false, reprocess: false, summary: '' };

export function transactionMsg(t: TransactionRecord): TransactionInfo {
  return { id: t.id, started: t.started, ops: t.ops.map((op) => ({ ...NO_OP, ...op, summary: describeOp(op) })) };
}

/** The op a client sent, with only the fields its kind uses. Throws InvalidArgument for an unknown kind. */
export function transactionOpOf(m: TransactionOpMsg | undefined): TransactionOp {
  switch (m?.kind) {
    case 'create_branch':
      return { kind: m.kind, branch: m.branch, head: m.head };
    case 'start_commit':
      return { kind: m.kind, branch: m.branch, description: m.description };
    case 'finish_commit':
      return { kind: m.kind, commit: m.commit, description: m.description };
    case 'create_pipeline':
      return { kind: m.kind, spec: m.spec, update: m.update, reprocess: m.reprocess };
    default:
      throw new InvalidArgument('UnknownTransactionOp', `a transaction records create_branch, start_commit, finish_commit and create_pipeline ops, not "${m?.kind ?? ''}"`, { kind: m?.kind ?? '' });
  }
}

/** The names of the inputs served as S3 buckets (input.pfs.s3). */
function s3Inputs(input: Input): string[] {
  if (input.type === 'pfs') return input.s3 ? [input.name] : [];
  if (input.type === 'cron') return [];
  return (input.inputs as Input[]).flatMap(s3Inputs);
}
