// Pipeline-system records → generated protobuf messages.
import { quantityBytes } from '../pps/index.js';
import type { DatumUsageSummary, ExperimentRepo, ImpactRow, Input, JobDatumRecord, JobRecord, LogEntry, PipelineRecord, PipelineSpec, ProvenanceNode } from '../pps/index.js';
import type { Datum, ExperimentRepo as ExperimentRepoMsg, ImpactRow as ImpactRowMsg, Job, LogLine, Pipeline, ProvenanceNode as ProvenanceMsg, WorkerSpec } from '../gen/tusk/pps.js';

export function pipelineMsg(p: PipelineRecord, workers: number, branchVersions: readonly { branch: string; version: number; spec: unknown }[] = [], datumUsage?: DatumUsageSummary): Pipeline {
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
  };
}

/** The names of the inputs served as S3 buckets (input.pfs.s3). */
function s3Inputs(input: Input): string[] {
  if (input.type === 'pfs') return input.s3 ? [input.name] : [];
  if (input.type === 'cron') return [];
  return (input.inputs as Input[]).flatMap(s3Inputs);
}
