// Pipelines (PPS): a pipeline is a spec naming inputs (repo branches cut into
// datums by globs and combined by cross, union, join and group), a transform (the
// user code) and options. This layer holds the pure core: reading and validating
// specs, planning a job's datums from its input commits, datum IDs for reuse, and
// the pipeline graph. Jobs, workers and the daemon build on it.
export type {
  PipelineSpec, Input, LeafInput, PfsInput, CronInput, CrossInput, UnionInput, JoinInput, GroupInput,
  Transform, Secret, Resources, Gpu, DatumSetSpec, ReprocessSpec, Trigger, PodOptions, Toleration, JsonPatchOp,
} from './spec.js';
export { parsePipelineSpec, parsePipelineSpecs, normalizePipelineSpec } from './spec-parse.js';
export type { SpecFormat } from './spec-text.js';
export { validatePipelineSpec } from './spec-validate.js';
export { cronProblem } from './spec-input.js';
export { parseDuration } from './duration.js';
export { quantityBytes } from './quantity.js';
export { compileDatumGlob, normalizeGlob, globProblem, expandCaptures, captureRefs } from './glob.js';
export type { DatumGlob } from './glob.js';
export { planDatums } from './datums.js';
export type { Datum, DatumInput } from './datums.js';
export { memoryInputFiles } from './input-files.js';
export type { InputFile, InputFiles, InputCommit, ResolveInput } from './input-files.js';
export { transformHash, datumId, elementDigest } from './datum-id.js';
export type { DatumElementKey } from './datum-id.js';
export { inputRepos, findCycle } from './dag.js';
export type { InputRepo } from './dag.js';
// The runtime side: jobs, workers' tasks, logs and provenance inside the daemon.
export { Pps } from './pps.js';
// The pipeline system's errors live with the others (src/errors); re-exported for its callers.
export { DatumNotFound, JobNotFound, PipelineNotFound, PipelineExists, OutputCollision, ExperimentNotFound, NotFastForward, ExperimentRunning } from '../errors/index.js';
export type { PpsDeps } from './pps-context.js';
export { PpsStore } from './pps-store.js';
export { systemTimers, type Timers } from './timers.js';
export { LogStore, type LogEntry, type LogFilter } from './logs.js';
export type { PfsAccess, PfsRepos, PfsBranches, PfsCommits, PfsFiles } from './pfs-access.js';
export { NoWorkers, type WorkerRuntime, type WorkerLost } from './runtime.js';
export { defaultWorkerLimits, checkParallelism, type WorkerLimits } from './worker-limits.js';
export type { TaskOutcome } from './jobs.js';
export type { DatumTask } from './task-queue.js';
export type { TaskWithData, InlineData } from './inline-inputs.js';
export type { ProvenanceNode } from './provenance.js';
export type { RemovalAction, RemovalOptions, RemovalResult } from './commit-removal.js';
export { DEFAULT_RETENTION, decideRetention, type RetentionRule } from './datum-retention.js';
export type { KeptResult } from './result-pruner.js';
export type { PipelineRecord, JobRecord, JobDatumRecord, DatumCounts, JobState, DatumState, PipelineState } from './records.js';
export { DatumOutputUpload, DatumOutputStore } from './datum-outputs.js';
export type { ExperimentRepo, PromoteResult } from './experiments.js';
export type { ImpactRow } from './impact.js';
export { summarizeUsage, proposeRequests, percentiles, type DatumUsageSummary, type Percentiles } from './datum-usage.js';
