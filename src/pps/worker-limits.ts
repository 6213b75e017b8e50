// How many workers a daemon runs: at most `perPipeline` for one pipeline and
// `total` for all of them. A spec over either limit is refused when it is
// created, updated or started, naming parallelism_spec.constant and the limit;
// runtimes also clamp to them, for pipelines stored before a limit was
// lowered. The defaults come from the machine: a worker (worker, sidecar and
// sandbox runner, three Node processes) takes about 192 MiB, so `total` lets
// workers use half the memory; `perPipeline` is four per core (more parallel
// copies of one program than that only queue for the CPU). Pure.
import { InvalidSpec } from '../errors/index.js';

export interface WorkerLimits {
  /** Most workers one pipeline may have (tuskd --max-workers-per-pipeline, TUSK_MAX_WORKERS_PER_PIPELINE). */
  readonly perPipeline: number;
  /** Most workers of all pipelines together (tuskd --max-workers, TUSK_MAX_WORKERS). */
  readonly total: number;
}

/** Memory one worker takes, for the default total. */
export const WORKER_MEMORY_BYTES = 192 * 1024 * 1024;

export function defaultWorkerLimits(cores: number, memoryBytes: number): WorkerLimits {
  const total = Math.max(1, Math.floor(memoryBytes / 2 / WORKER_MEMORY_BYTES));
  return { total, perPipeline: Math.min(total, Math.max(1, 4 * cores)) };
}

/** Throws InvalidSpec when `parallelism` workers for `pipeline`, beside the running pipelines `others`, break a limit. */
export function checkParallelism(pipeline: string, parallelism: number, limits: WorkerLimits, others: readonly { name: string; parallelism: number }[]): void {
  const path = 'parallelism_spec.constant';
  if (parallelism > limits.perPipeline) {
    throw new InvalidSpec([{ path, problem: `${parallelism} is over this daemon's limit of ${limits.perPipeline} workers per pipeline (tuskd --max-workers-per-pipeline, TUSK_MAX_WORKERS_PER_PIPELINE)` }]);
  }
  const inUse = others.filter((o) => o.name !== pipeline).reduce((n, o) => n + Math.min(o.parallelism, limits.perPipeline), 0);
  if (inUse + parallelism > limits.total) {
    throw new InvalidSpec([{ path, problem: `${parallelism} more workers would make ${inUse + parallelism} in all, over this daemon's limit of ${limits.total} workers (tuskd --max-workers, TUSK_MAX_WORKERS)` }]);
  }
}
