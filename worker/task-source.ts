// Where a worker's datums come from: tasks leased from the coordinator with
// NextTasks (a long poll, in batches), queued, and prepared ahead — the
// sidecar fetches the inputs of the next few tasks while the current one runs.
// Each NextTasks answer holds tasks of one pipeline version and, unless it is
// the version whose spec the worker got last (`knownVersion`), that version's
// spec; a task's version is handed to `onSpec` when the task is taken, so a
// task queued before an update (or of another branch's version) still runs
// with the code of its own version. While the worker waits for more tasks with
// none queued, results are sent as they come (not waited for). A coordinator
// that stays unreachable past the grace period ends the worker (`onGone`).
import { isTuskError, UnknownWorker, type NextTasksResponse, type Task, type WorkerSpec } from '../src/client/index.js';
import type { DaemonWatch, DatumInput, Logger, SidecarClient, SlotDirs } from '../src/worker-protocol/index.js';
import type { Reporter } from './reporter.js';

export interface TaskApi {
  /** The answer leaves out the spec when it is of `knownVersion`. */
  nextTasks(pipeline: string, worker: string, max: number, waitMs: number, knownVersion: number): Promise<NextTasksResponse>;
}

export interface PreparedTask {
  task: Task;
  /** The sidecar slot holding its inputs. */
  slot: string;
  /** Resolves once the inputs are in the slot, with the slot's folders (for a worker that switches datums itself, datum-switch.ts), or why they could not be fetched. */
  staged: Promise<Staged>;
}

/** A slot once its inputs are fetched (`dirs`: its folders, when the sidecar says), or why they could not be. */
export type Staged = { dirs: SlotDirs | undefined } | { cannot: string };

interface Queued {
  task: Task;
  slot: string;
  version: number;
  spec: WorkerSpec | undefined;
  staged?: Promise<Staged>;
}

export interface TaskSourceOptions {
  api: TaskApi;
  sidecar: SidecarClient;
  pipeline: string;
  worker: string;
  reporter: Reporter;
  watch: DaemonWatch;
  log: Logger;
  version: number;
  onSpec(version: number, spec: WorkerSpec): void;
  onGone(): void;
  /** Tasks asked for per call, at least. */
  batch?: number;
  /** Tasks asked for per call at most: as many as were taken in the last second, when datums go fast (default: batch). */
  maxBatch?: number;
  /** Milliseconds, for the rate above (default performance.now). */
  now?: () => number;
  /** Tasks whose inputs are fetched ahead. */
  prefetch?: number;
  waitMs?: number;
}

const RATE_WINDOW_MS = 1_000;
const DEFAULT_PREFETCH = 4;

export class TaskSource {
  private readonly queue: Queued[] = [];
  private fetching: Promise<void> | undefined;
  private stopped = false;
  private slots = 0;
  private version: number;
  /** The spec received last and its version: an answer without a spec is of this version. */
  private latest: { version: number; spec?: WorkerSpec };
  private readonly batch: number;
  private readonly maxBatch: number;
  private prefetch: number;
  /** Inputs are fetched ahead in groups of at least this many tasks (one sidecar message, one answer). */
  private prefetchGroup = 1;
  /** Beyond the first DEFAULT_PREFETCH, tasks are fetched ahead only while those before them hold fewer input bytes. */
  private prefetchBytes = Infinity;
  /** When the last tasks (up to maxBatch) were taken. */
  private readonly takenAt: number[] = [];

  constructor(private readonly o: TaskSourceOptions) {
    this.version = o.version;
    this.latest = { version: o.version };
    this.batch = o.batch ?? 16;
    this.maxBatch = Math.max(this.batch, o.maxBatch ?? this.batch);
    this.prefetch = o.prefetch ?? DEFAULT_PREFETCH;
  }

  /** The next task, its inputs being fetched; undefined once stopped. */
  async take(): Promise<PreparedTask | undefined> {
    while (!this.stopped) {
      const head = this.queue.shift();
      if (head) {
        if (head.version && head.version !== this.version && head.spec) {
          this.version = head.version;
          this.o.onSpec(head.version, head.spec);
        }
        if (!head.staged) this.prepare(head);
        this.takenAt.push(this.now());
        if (this.takenAt.length > this.maxBatch) this.takenAt.shift();
        this.topUp();
        return { task: head.task, slot: head.slot, staged: head.staged! };
      }
      await this.waitIdle();
    }
    return undefined;
  }

  /** True when a task is queued. */
  get hasQueued(): boolean {
    return this.queue.length > 0;
  }

  /** The tasks queued next, in order (up to `max`), of the version the last taken task is of. */
  peek(max: number): Task[] {
    const out: Task[] = [];
    for (const q of this.queue) {
      if (out.length >= max || (q.version && q.version !== this.version)) break;
      out.push(q.task);
    }
    return out;
  }

  /** Resolves once a task is queued (or the source stopped). */
  async waitForTask(): Promise<void> {
    while (!this.stopped && this.queue.length === 0) await this.waitIdle();
  }

  /**
   * Waits for the tasks being fetched, with none queued. Results are sent meanwhile as they come (the
   * reporter is idle): the pending ones now, and those of datums still uploading (a job's last results)
   * without the reporter's delay. The worker does not wait for them to be taken: the coordinator may
   * hold a Report until its outputs' durable point (src/pps/durable-point.ts).
   */
  private async waitIdle(): Promise<void> {
    if (!this.fetching) this.fetch();
    this.o.reporter.setIdle(true);
    try {
      await this.fetching;
    } finally {
      this.o.reporter.setIdle(false);
    }
  }

  /** Puts a task back at the head of the queue (its slot stays prepared). */
  unshift(p: PreparedTask): void {
    this.queue.unshift({ task: p.task, slot: p.slot, version: this.version, spec: undefined, staged: p.staged });
  }

  /**
   * How many queued tasks have their inputs fetched ahead (past the first DEFAULT_PREFETCH, only while
   * the tasks before hold fewer than `maxBytes` of inputs), and in groups of how many: with a group of
   * g, fetching starts once g of them (or half, when fewer are ahead) are not being fetched yet.
   */
  setPrefetch(prefetch: number, group = 1, maxBytes = Infinity): void {
    this.prefetch = prefetch;
    this.prefetchGroup = Math.max(1, group);
    this.prefetchBytes = maxBytes;
  }

  stop(): void {
    this.stopped = true;
  }

  private prepare(q: Queued): void {
    q.staged = this.o.sidecar.call('prepare', { slot: q.slot, inputs: datumInputs(q.task) }).then(
      (r) => ({ dirs: r.dirs }),
      (err: Error) => ({ cannot: `cannot fetch the inputs: ${err.message}` }),
    );
  }

  private topUp(): void {
    const window: Queued[] = [];
    let bytes = 0;
    for (const q of this.queue) {
      if (window.length >= this.prefetch || (window.length >= DEFAULT_PREFETCH && bytes >= this.prefetchBytes)) break;
      window.push(q);
      for (const input of q.task.inputs) for (const f of input.files) bytes += f.sizeBytes;
    }
    const waiting = window.filter((q) => !q.staged);
    if (waiting.length > 0 && waiting.length >= Math.min(this.prefetchGroup, Math.ceil(window.length / 2))) for (const q of waiting) this.prepare(q);
    if (!this.fetching && this.queue.length < this.prefetch && !this.stopped) this.fetch();
  }

  private now(): number {
    return this.o.now ? this.o.now() : performance.now();
  }

  /**
   * How many tasks to ask for: `batch`, or as many as were taken in the last
   * second (up to maxBatch) — fast datums come in fewer, larger answers, slow
   * ones are not held on lease away from other workers.
   */
  askFor(): number {
    const since = this.now() - RATE_WINDOW_MS;
    const recent = this.takenAt.filter((t) => t > since).length;
    return Math.min(this.maxBatch, Math.max(this.batch, recent));
  }

  private fetch(): void {
    this.fetching = (async () => {
      try {
        const res = await this.o.api.nextTasks(this.o.pipeline, this.o.worker, this.askFor(), this.o.waitMs ?? 10_000, this.latest.version);
        this.o.watch.reached();
        if (res.spec) this.latest = { version: res.pipelineVersion, spec: res.spec };
        const spec = res.pipelineVersion === this.latest.version ? this.latest.spec : undefined;
        if (res.tasks.length === 0 && this.queue.length === 0 && res.pipelineVersion && res.pipelineVersion !== this.version && spec) {
          // Nothing queued: an update applies now (a batching process restarts with it before the next datum).
          this.version = res.pipelineVersion;
          this.o.onSpec(res.pipelineVersion, spec);
        }
        for (const task of res.tasks) this.queue.push({ task, slot: `d${++this.slots}`, version: res.pipelineVersion, spec });
      } catch (err) {
        const unavailable = isTuskError(err) && err.kind === 'unavailable';
        this.o.log.log('warn', 'next_tasks_failed', { code: isTuskError(err) ? err.code : 'Internal', message: (err as Error).message });
        // A daemon that did not start this worker (it outlived an earlier one) gives it no work: it ends.
        if ((unavailable && this.o.watch.unreachable()) || err instanceof UnknownWorker) {
          this.stopped = true;
          this.o.onGone();
          return;
        }
        await new Promise((r) => setTimeout(r, 1_000));
      } finally {
        this.fetching = undefined;
      }
      if (this.queue.length > 0) this.topUp();
    })();
  }
}

/** A task's inputs as the sidecar takes them: inline file bytes in base64. */
function datumInputs(task: Task): DatumInput[] {
  return task.inputs.map((i) => ({
    ...i,
    files: i.files.map((f) => ({ path: f.path, sizeBytes: f.sizeBytes, hash: f.hash, ...(f.inline ? { data: Buffer.from(f.data).toString('base64') } : {}) })),
  }));
}
