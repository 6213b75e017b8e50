// The queue between jobs and workers: each pipeline has a FIFO of datum tasks;
// a worker long-polls for a batch, which it then holds on lease until it
// reports, and says when it starts running each one. A lost worker's leases go
// back to the front of the queue; only those it had started count a try (the
// rest were merely fetched ahead). A worker may also say it starts a group of
// datums ahead (one message for many): of a lost worker's datums started so,
// only the one its running mark names (the local runtime reads it) is charged
// a try; without a mark none is, and they are then started one at a time
// (job-results.ts). Held in
// memory: after a daemon restart, running jobs re-plan and re-queue whatever
// has no result yet.
import type { DatumInput } from './datums.js';

export interface DatumTask {
  pipeline: string;
  job: string;
  datum: string;
  inputs: readonly DatumInput[];
  outputCommit: string;
  /** The pipeline version whose code runs it (jobs of several versions, e.g. on an experiment branch, share the queue). */
  version: number;
  /** Runs started for this task so far (a lost worker's run counts). */
  attempts: number;
  /** Its start must be told alone, not ahead in a group: its worker was lost while it was started ahead. */
  startAlone?: boolean;
}

/** A leased task, and whether its worker started running it (`ahead`: only as one of a group started ahead). */
export interface Lease {
  task: DatumTask;
  started: boolean;
  ahead?: boolean;
}

interface Waiter {
  worker: string;
  max: number;
  accepts: TaskFilter | undefined;
  resolve: (tasks: DatumTask[]) => void;
}

/**
 * Which tasks a worker can run, by their pipeline version (a Kubernetes pod runs only the versions
 * whose pod it is: a branch version with another image has pods of its own). None: every task.
 */
export type TaskFilter = (version: number) => boolean;

export class TaskQueue {
  private readonly queues = new Map<string, DatumTask[]>();
  private readonly waiters = new Map<string, Waiter[]>();
  /** worker → key → lease */
  private readonly leases = new Map<string, Map<string, Lease>>();
  /** Workers declared lost: worker IDs are never reused, so they get no more tasks. */
  private readonly lost = new Set<string>();
  /**
   * First segments of worker IDs (`POD/`) that are all lost, now and later: a Kubernetes pod that is
   * gone, whose workers may still call in while it terminates, or before they ever held a lease.
   * Looked up by the ID's own first segment, so every take costs one set lookup however many pods went.
   */
  private readonly lostPrefixes = new Set<string>();

  push(pipeline: string, tasks: DatumTask[], front = false): void {
    if (tasks.length === 0) return;
    const q = this.queue(pipeline);
    if (front) q.unshift(...tasks);
    else q.push(...tasks);
    this.wake(pipeline);
  }

  /** Up to `max` tasks for `worker` (of those it `accepts`), waiting at most `waitMs` for the first one. */
  async take(pipeline: string, worker: string, max: number, waitMs: number, signal?: AbortSignal, accepts?: TaskFilter): Promise<DatumTask[]> {
    if (this.isLost(worker)) return [];
    let tasks = this.takeNow(pipeline, max, accepts);
    if (tasks.length === 0 && waitMs > 0 && !signal?.aborted) {
      tasks = await new Promise<DatumTask[]>((resolve) => {
        const waiter: Waiter = { worker, max, accepts, resolve };
        const list = this.waiters.get(pipeline) ?? [];
        list.push(waiter);
        this.waiters.set(pipeline, list);
        const done = () => {
          const l = this.waiters.get(pipeline) ?? [];
          const i = l.indexOf(waiter);
          if (i >= 0) l.splice(i, 1);
          clearTimeout(timer);
          resolve([]);
        };
        const timer = setTimeout(done, waitMs);
        signal?.addEventListener('abort', done, { once: true });
        waiter.resolve = (t) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          resolve(t);
        };
      });
    }
    if (this.isLost(worker)) {
      // Lost while waiting (its process died before its call was cancelled): the tasks go back.
      this.push(pipeline, tasks, true);
      return [];
    }
    const leased = this.leases.get(worker) ?? new Map<string, Lease>();
    for (const t of tasks) leased.set(key(t.job, t.datum), { task: t, started: false });
    if (tasks.length > 0) this.leases.set(worker, leased);
    return tasks;
  }

  /**
   * The worker starts running a leased task: it counts an attempt (one started ahead already counts it, and
   * is now started for sure). False when the worker holds no such lease.
   */
  start(worker: string, job: string, datum: string): boolean {
    const lease = this.leases.get(worker)?.get(key(job, datum));
    if (!lease || (lease.started && !lease.ahead)) return false;
    if (!lease.started) lease.task.attempts++;
    lease.started = true;
    lease.ahead = false;
    return true;
  }

  /**
   * The worker will run a leased task soon, as one of a group started ahead: it counts an attempt, which
   * the worker's loss takes back (releaseWorker's `ahead` leases); a task to be started alone is started
   * for sure. False when the worker holds no such lease.
   */
  startAhead(worker: string, job: string, datum: string): boolean {
    const lease = this.leases.get(worker)?.get(key(job, datum));
    if (!lease || lease.started) return false;
    lease.started = true;
    lease.ahead = !lease.task.startAlone;
    lease.task.attempts++;
    return true;
  }

  /** Ends the lease of a reported task; undefined when the worker held no such lease (a late or duplicate report). */
  complete(worker: string, job: string, datum: string): DatumTask | undefined {
    const leased = this.leases.get(worker);
    const lease = leased?.get(key(job, datum));
    if (lease) leased!.delete(key(job, datum));
    return lease?.task;
  }

  /** Ends every lease of a lost worker and returns them (the caller re-queues or fails them). */
  releaseWorker(worker: string): Lease[] {
    this.lost.add(worker);
    for (const [pipeline, list] of this.waiters) {
      for (const w of list.filter((x) => x.worker === worker)) {
        list.splice(list.indexOf(w), 1);
        w.resolve([]);
      }
      if (list.length === 0) this.waiters.delete(pipeline);
    }
    const leased = [...(this.leases.get(worker)?.values() ?? [])];
    this.leases.delete(worker);
    return leased;
  }

  /**
   * From now on no worker whose ID starts with `prefix` (an ID's first segment with its '/': `POD/`)
   * gets tasks, those not seen yet included (a pod that is gone: pod names are never reused). Leases
   * they hold stay until releaseWorker.
   */
  losePrefix(prefix: string): void {
    this.lostPrefixes.add(prefix);
  }

  private isLost(worker: string): boolean {
    if (this.lost.has(worker)) return true;
    const slash = worker.indexOf('/');
    return slash > 0 && this.lostPrefixes.has(worker.slice(0, slash + 1));
  }

  /** Offers the queued tasks to waiting workers again (what some of them accept has changed). */
  rewake(pipeline: string): void {
    this.wake(pipeline);
  }

  /** Forgets every queued and leased task of a job (killed or finished). */
  dropJob(pipeline: string, job: string): void {
    const q = this.queue(pipeline);
    this.queues.set(pipeline, q.filter((t) => t.job !== job));
    for (const leased of this.leases.values()) for (const [k, { task: t }] of leased) if (t.pipeline === pipeline && t.job === job) leased.delete(k);
  }

  /** The leased tasks their workers have started: what each worker runs now. */
  startedLeases(): { worker: string; task: DatumTask }[] {
    const out: { worker: string; task: DatumTask }[] = [];
    for (const [worker, leased] of this.leases) for (const { task, started } of leased.values()) if (started) out.push({ worker, task });
    return out;
  }

  /** Workers that hold leases or wait for tasks, by ID (to find a lost pod's workers by prefix). */
  workers(): string[] {
    const ids = new Set(this.leases.keys());
    for (const list of this.waiters.values()) for (const w of list) ids.add(w.worker);
    return [...ids];
  }

  /** Takes one task of a job off the queue or out of its worker's lease (`restart datum`); a late report for it is then ignored. */
  revoke(pipeline: string, job: string, datum: string): DatumTask | undefined {
    const q = this.queue(pipeline);
    const i = q.findIndex((t) => t.job === job && t.datum === datum);
    if (i >= 0) return q.splice(i, 1)[0];
    for (const leased of this.leases.values()) {
      const lease = leased.get(key(job, datum));
      if (lease && lease.task.pipeline === pipeline) {
        leased.delete(key(job, datum));
        return lease.task;
      }
    }
    return undefined;
  }

  pending(pipeline: string): number {
    return this.queue(pipeline).length;
  }

  /**
   * Up to `max` tasks from the front, all of the pipeline version of the first task the worker
   * accepts (a worker runs one version's code at a time); the others keep their places.
   */
  private takeNow(pipeline: string, max: number, accepts?: TaskFilter): DatumTask[] {
    const q = this.queue(pipeline);
    const first = q.findIndex((t) => !accepts || accepts(t.version));
    if (first < 0) return [];
    const version = q[first]!.version;
    if (!accepts) {
      let n = first;
      while (n - first < Math.max(1, max) && n < q.length && q[n]!.version === version) n++;
      return q.splice(first, n - first);
    }
    const taken: DatumTask[] = [];
    const kept: DatumTask[] = [];
    for (const t of q) (taken.length < Math.max(1, max) && t.version === version ? taken : kept).push(t);
    this.queues.set(pipeline, kept);
    return taken;
  }

  /** Hands queued tasks to waiting workers, each the first it accepts. */
  private wake(pipeline: string): void {
    const list = this.waiters.get(pipeline) ?? [];
    for (const w of [...list]) {
      if (this.queue(pipeline).length === 0) break;
      const tasks = this.takeNow(pipeline, w.max, w.accepts);
      if (tasks.length === 0) continue;
      list.splice(list.indexOf(w), 1);
      w.resolve(tasks);
    }
  }

  private queue(pipeline: string): DatumTask[] {
    let q = this.queues.get(pipeline);
    if (!q) this.queues.set(pipeline, (q = []));
    return q;
  }
}

function key(job: string, datum: string): string {
  return `${job}/${datum}`;
}
