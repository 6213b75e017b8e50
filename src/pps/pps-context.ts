// The shared state of the pipeline system inside one daemon: its
// dependencies, the task queue, a structured log function, and egress.
import type { Pfs } from '../pfs/index.js';
import type { FileTree } from '../tree/index.js';
import type { LogStore } from './logs.js';
import type { PpsStore } from './pps-store.js';
import type { WorkerRuntime } from './runtime.js';
import type { WorkerLimits } from './worker-limits.js';
import { TaskQueue } from './task-queue.js';
import { DatumOutputStore } from './datum-outputs.js';
import { egressJob, type EgressSinkFactory } from './egress.js';
import type { TreeId } from '../tree/index.js';

export type SystemLog = (level: 'debug' | 'info' | 'warn' | 'error', event: string, fields?: Record<string, unknown>) => void;

export interface PpsDeps {
  pfs: Pfs;
  store: PpsStore;
  logs: LogStore;
  runtime: WorkerRuntime;
  tree: FileTree;
  clock: () => Date;
  random: (bytes: number) => Uint8Array;
  log: SystemLog;
  /** Most workers per pipeline and in all (default: no limit). */
  workerLimits?: WorkerLimits;
  /** Opens the S3 prefix of a pipeline's egress.URL (the daemon builds it over the storage layer); without it, egress fails the job. */
  egress?: EgressSinkFactory;
}

export class PpsContext {
  readonly queue = new TaskQueue();
  readonly outputs: DatumOutputStore;

  constructor(readonly deps: PpsDeps) {
    this.outputs = new DatumOutputStore(deps.pfs.ctx.deps.content, deps.tree);
  }

  get pfs() {
    return this.deps.pfs;
  }
  get store() {
    return this.deps.store;
  }
  now(): string {
    return this.deps.clock().toISOString();
  }
  /** Copies a job's output tree to its egress URL; returns the reason the job fails, or undefined on success. */
  egress(job: { pipeline: string; id: string }, url: string, root: TreeId): Promise<string | undefined> {
    return egressJob(this, job, url, root);
  }
}
