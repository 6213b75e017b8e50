// What the coordinator needs from a worker runtime (local processes, or pods
// in Kubernetes): keep N long-lived workers per pipeline, stop them, and say
// when one is lost so its datums go back to the queue.
import type { RunningDatum } from '../worker-protocol/index.js';

export interface WorkerRuntime {
  /** Makes `count` workers of the pipeline run (starting or stopping some). */
  ensure(pipeline: string, count: number): Promise<void>;
  /** Stops every worker of the pipeline. */
  stop(pipeline: string): Promise<void>;
  stopAll(): Promise<void>;
  /** Number of running workers of the pipeline. */
  running(pipeline: string): number;
  /** Each worker of the pipeline and its state (the console's pipeline view). A runtime without it lists none. */
  workers?(pipeline: string): WorkerState[];
  /**
   * False for a worker ID this runtime did not start (a process left over from an earlier daemon, or
   * a stranger): it is refused work. A runtime without the method accepts every worker.
   */
  owns?(worker: string): boolean;
  /**
   * Whether the worker can run a task of the pipeline's `version` (a pod runs only the versions its
   * pod spec serves). A runtime without the method runs every version on every worker.
   */
  accepts?(pipeline: string, worker: string, version: number): boolean;
}

/** One worker as its runtime sees it. */
export interface WorkerState {
  /** The worker ID (local) or the pod name (kubernetes: its workers' IDs start with `POD/`). */
  id: string;
  state: 'starting' | 'running' | 'restarting' | 'pending' | 'failing';
  /** The pod's name, or '' for local processes. */
  pod: string;
  restarts: number;
  /** The pipeline version it was started for (0: any). */
  version: number;
}

/**
 * The callback a runtime calls when a worker process or pod is gone; `running`: the datum its running mark
 * named (src/worker-protocol/running-mark.ts), when the runtime could read one.
 */
export type WorkerLost = (pipeline: string, worker: string, reason: string, running?: RunningDatum) => void;

/** A runtime that runs nothing: for tests of the coordinator, and `tuskd` without workers. */
export class NoWorkers implements WorkerRuntime {
  async ensure(): Promise<void> {}
  async stop(): Promise<void> {}
  async stopAll(): Promise<void> {}
  running(): number {
    return 0;
  }
}
