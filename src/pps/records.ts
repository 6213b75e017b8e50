// The metadata records of pipelines, jobs and datums, kept in LevelDB beside
// PFS's. Plain data.
import type { CommitRefRecord } from '../pfs/index.js';
import type { PipelineSpec } from './spec.js';

export type PipelineState = 'running' | 'paused' | 'failure';

export interface PipelineRecord {
  name: string;
  version: number;
  spec: PipelineSpec;
  state: PipelineState;
  created: string;
  updated: string;
  reason: string;
  /** The next job ignores earlier datum results (`update pipeline --reprocess`). */
  reprocessNext: boolean;
  /**
   * Versions that apply on one branch only (`update pipeline --branch B`): jobs whose output
   * goes to branch B run that version; every other branch keeps `version`.
   */
  branches?: Record<string, BranchVersion>;
}

export interface BranchVersion {
  version: number;
  reprocessNext: boolean;
}

export type JobState = 'created' | 'running' | 'finishing' | 'success' | 'failure' | 'killed';

export interface DatumCounts {
  total: number;
  processed: number;
  skipped: number;
  failed: number;
  recovered: number;
}

export interface JobRecord {
  id: string;
  pipeline: string;
  version: number;
  state: JobState;
  /** The output branch the job's commit goes to. */
  branch: string;
  /** The input commits, one per leaf input (the job's provenance). */
  inputs: CommitRefRecord[];
  datums: DatumCounts;
  started: string;
  finished: string | null;
  reason: string;
  reprocess: boolean;
  seq: number;
}

export type DatumState = 'success' | 'skipped' | 'failed' | 'running' | 'queued' | 'recovered';

export interface DatumFileRecord {
  input: string;
  path: string;
  size: number;
  hash: string;
}

export interface JobDatumRecord {
  id: string;
  state: DatumState;
  files: DatumFileRecord[];
  tries: number;
  durationMs: number;
  /** CPU time of the code over its tries (ms), when the worker measured it. */
  cpuMs?: number;
  /** Peak resident memory of the code (bytes), when the worker measured it. */
  peakMemoryBytes?: number;
  reason: string;
  /** The datum's output (a file tree root) once it succeeded or was reused. */
  output: string;
}

/** A datum ID's successful output, reusable by any later job of the pipeline on any branch. */
export interface DatumResultRecord {
  output: string;
  job: string;
  /** When it was recorded (ISO time); absent in results recorded before retention existed (datum-retention.ts). */
  recorded?: string;
}
