// The shared state of the pipeline system inside one daemon: its
// dependencies, the task queue, a structured log function, and egress.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ContentStore } from '../pfs/index.js';
import type { DeferredTriggers } from './deferred-triggers.js';
import type { PfsAccess } from './pfs-access.js';
import type { FileTree } from '../tree/index.js';
import type { LogStore } from './logs.js';
import type { PpsStore } from './pps-store.js';
import type { WorkerRuntime } from './runtime.js';
import type { WorkerLimits } from './worker-limits.js';
import { TaskQueue } from './task-queue.js';
import type { Timers } from './timers.js';
import { DatumOutputStore } from './datum-outputs.js';
import { egressJob, type EgressSinkFactory } from './egress.js';
import type { TreeId } from '../tree/index.js';
import type { LogFn } from '../log/logger.js';
import type { RetentionRule } from './datum-retention.js';

/** The secret store as pipelines see it (transform.secrets): which keys a secret has, never its values. */
export interface SecretKeys {
  /** The keys of secret `name`, or undefined when there is no such secret. */
  keys(name: string): Promise<readonly string[] | undefined>;
}

export interface PpsDeps {
  pfs: PfsAccess;
  /** Where datum outputs are stored and egress reads output files from (the content store PFS writes to). */
  content: ContentStore;
  store: PpsStore;
  logs: LogStore;
  runtime: WorkerRuntime;
  tree: FileTree;
  clock: () => Date;
  /** Where timeouts are scheduled (job_timeout): systemTimers in the daemon, a FakeClock in tests. */
  timers: Timers;
  random: (bytes: number) => Uint8Array;
  log: LogFn;
  /** Most workers per pipeline and in all (default: no limit). */
  workerLimits?: WorkerLimits;
  /** Which datum results stay reusable (datum-retention.ts; default DEFAULT_RETENTION), and how often the rest is pruned (none: never; the daemon prunes hourly). */
  retention?: RetentionRule;
  retentionIntervalMs?: number;
  /** Reports closer together than this share the durable point of their outputs (durable-point.ts; default 0: one point per report). */
  outputSyncGapMs?: number;
  /** Opens the S3 prefix of a pipeline's egress.URL (the daemon builds it over the storage layer); without it, egress fails the job. */
  egress?: EgressSinkFactory;
  /** The secret store; without it, a spec naming transform.secrets is refused. */
  secrets?: SecretKeys;
  /** Most datums one job plans (default MAX_JOB_DATUMS, from the heap limit); more fail the job with TooManyDatums. */
  maxJobDatums?: number;
}

export class PpsContext {
  readonly queue = new TaskQueue();
  readonly outputs: DatumOutputStore;
  /**
   * Set while a transaction is applied (transactions.ts): finished commits, branch moves and new
   * pipelines made within it are collected here instead of starting jobs, which start once, after.
   */
  readonly deferred = new AsyncLocalStorage<DeferredTriggers>();

  constructor(readonly deps: PpsDeps) {
    this.outputs = new DatumOutputStore(deps.content, deps.tree);
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
