// One worker thread answering the messages posted to it in the order they
// were posted (the hash threads, hasher.ts; the gear scan thread,
// gear-scan.ts). It starts on first use and is unref'd while nothing waits
// on it, so an idle one never keeps the process alive. A thread that fails
// rejects everything waiting and every later call; one that exits without
// an error is dropped, and the next call starts a new one (posting to a dead
// thread would wait for an answer that never comes).
import { Worker } from 'node:worker_threads';

interface Pending {
  resolve(out: unknown): void;
  reject(err: Error): void;
}

export class WorkerThread {
  failure?: Error;
  private worker?: Worker;
  private up = false;
  private readonly pending: Pending[] = [];

  /**
   * `name` names the thread in errors; `source` is its code (run with eval), given `workerData`; `onGone` is
   * called when a started thread is gone (failed or exited), so what it held is sent again to the next.
   */
  constructor(
    private readonly name: string,
    private readonly source: string,
    private readonly workerData?: unknown,
    private readonly onGone?: () => void,
  ) {}

  /** Whether the thread is up and can take a message at once; if not, it is started (in the background). */
  online(): boolean {
    if (!this.failure) this.start();
    return this.up;
  }

  /** Whether a thread runs now (a call then goes to it, not to a new one). */
  get running(): boolean {
    return this.worker !== undefined;
  }

  /** Posts `message` (transferring nothing) and resolves with the thread's `out` answer to it. */
  call<T>(message: unknown): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const worker = this.start();
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ resolve: resolve as (out: unknown) => void, reject });
      if (this.pending.length === 1) worker.ref();
      worker.postMessage(message);
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.gone();
    if (worker) await worker.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.source, { eval: true, ...(this.workerData !== undefined && { workerData: this.workerData }) });
    worker.unref();
    worker.on('online', () => (this.up = this.worker === worker));
    worker.on('message', (m: { out?: unknown; error?: string }) => {
      const p = this.pending.shift();
      if (this.pending.length === 0) worker.unref();
      if (!p) return;
      if (m.error !== undefined) p.reject(new Error(`${this.name}: ${m.error}`));
      else p.resolve(m.out);
    });
    const fail = (err: Error) => {
      this.failure = err;
      if (this.worker === worker) this.gone();
      for (const p of this.pending.splice(0)) p.reject(err);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (this.worker === worker) this.gone();
      if (this.pending.length > 0) fail(new Error(`${this.name} exited with code ${code}`));
    });
    this.worker = worker;
    return worker;
  }

  private gone(): void {
    if (this.worker === undefined) return;
    this.worker = undefined;
    this.up = false;
    this.onGone?.();
  }
}
