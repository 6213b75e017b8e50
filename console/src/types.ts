// The API's messages as the console receives them: the JSON form of the
// proto/tusk/*.proto messages (field names in camelCase), only the fields
// the views read.
export interface CommitRef { repo: string; branch: string; id: string }
export interface Repo { name: string; sizeBytes: number; branches: string[]; description: string; created: string }
export interface Trigger { branch: string; all: boolean; cronSpec: string; size: string; commits: number }
export interface Branch { name: string; repo: string; head: string; trigger?: Trigger }
export interface Commit {
  id: string; repo: string; branch: string; parentId: string; origin: string; started: string; finished: string;
  sizeBytes: number; description: string; provenance: CommitRef[]; fileCount: number;
}
export interface FileInfo { path: string; type: 'file' | 'dir'; sizeBytes: number; hash: string; commit: string }
export interface DiffEntry { path: string; change: 'added' | 'modified' | 'deleted'; sizeBytes: number; oldSizeBytes: number }
export interface BranchVersion { branch: string; version: number; specJson: string }
export interface Pipeline {
  name: string; version: number; state: string; specJson: string; created: string; description: string; reason: string;
  outputBranch: string; workers: number; branchVersions: BranchVersion[];
  /** Inspect only: each worker and what it runs, and what the current version's datums used. */
  workerList?: Worker[]; datumUsage?: DatumUsage;
}
/** One 30 s interval of a pipeline's figures (PipelineSeries); fields at 0 may be left out of the JSON. */
export interface SeriesSample {
  at: string; running?: number; success?: number; failure?: number; workers?: number;
  processed?: number; skipped?: number; failed?: number; meanDatumMs?: number;
}
export interface Worker { id: string; state: string; pod: string; restarts: number; version: number; job: string; datum: string }
export interface Percentiles { p50: number; p95: number; max: number }
export interface DatumUsage { datums: number; peakMemoryBytes?: Percentiles; cpuMs?: Percentiles; cpuMillicores?: Percentiles }
export interface DatumCounts { total: number; processed: number; skipped: number; failed: number; recovered: number }
export interface Job {
  id: string; pipeline: string; pipelineVersion: number; state: string; datums?: DatumCounts; outputCommit: string;
  started: string; finished: string; reason: string; inputs: CommitRef[]; branch: string;
}
export interface DatumFile { input: string; path: string; sizeBytes: number; hash: string }
export interface Datum { id: string; job: string; pipeline: string; state: string; files: DatumFile[]; tries: number; durationMs: number; reason: string }
export interface LogLine { time: string; pipeline: string; job: string; datum: string; stream: string; message: string }
export interface ProvenanceNode { commit?: CommitRef; origin: string; pipeline: string; pipelineVersion: number; children: ProvenanceNode[] }
export interface ExperimentRepo {
  repo: string; branch: string; base: string; head: string; baseHead: string; isPipeline: boolean; version: number; baseVersion: number;
  added: number; modified: number; deleted: number; bytesAdded: number; bytesModified: number; bytesDeleted: number;
}
export interface ImpactRow { pipeline: string; branch: string; version: number; exact: boolean; total: number; run: number; reused: number; note: string }
