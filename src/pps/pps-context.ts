// The shared state of the pipeline system inside one daemon: its
// dependencies, the task queue, and a structured log function.
import type { Pfs } from '../pfs/index.js';
import type { FileTree } from '../tree/index.js';
import type { LogStore } from './logs.js';
import type { PpsStore } from './pps-store.js';
import type { WorkerRuntime } from './runtime.js';
import { TaskQueue } from './task-queue.js';
import { DatumOutputStore } from './datum-outputs.js';

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
}
