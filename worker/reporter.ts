// Sending datum results to the coordinator in batches: a result waits at most
// `delayMs` (or until `maxBatch` are pending) before a Report call carries it
// (each Report costs the coordinator a sync of the outputs it points at, so
// fast datums must share one),
// and flush() sends everything at once (the worker calls it before it waits for
// more tasks). Reports go out one at a time in order; a failed one is kept and
// sent again, so no result is lost while the daemon is briefly away. A result
// may come with a call it must not overtake (its datum's Started, which the
// worker does not wait for before the code runs): its report goes out only
// once that call has settled, so the coordinator always sees a datum start
// before it sees its result.
import type { TaskResult } from '../src/client/index.js';
import type { Logger } from '../src/worker-protocol/index.js';

export type SendResults = (results: TaskResult[]) => Promise<void>;

export class Reporter {
  private pending: TaskResult[] = [];
  /** Calls the pending results must not overtake. */
  private gates: Promise<unknown>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();
  /** Results sent so far (for tests and logs). */
  sent = 0;

  constructor(
    private readonly send: SendResults,
    private readonly log: Logger,
    private readonly maxBatch = 256,
    private readonly delayMs = 200,
  ) {}

  /** Queues a result; `after` (which must not reject): a call the report must not overtake. */
  add(result: TaskResult, after?: Promise<unknown>): void {
    if (after) this.gates.push(after);
    this.pending.push(result);
    if (this.pending.length >= this.maxBatch) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.delayMs);
  }

  get waiting(): number {
    return this.pending.length;
  }

  /** Sends every pending result; resolves once they are sent (or kept for a later try after a failure). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.sending = this.sending.then(async () => {
      if (this.pending.length === 0) return;
      const batch = this.pending;
      const gates = this.gates;
      this.pending = [];
      this.gates = [];
      // They were sent before the code ran, so they have settled long ago as a rule: waiting costs nothing then.
      if (gates.length > 0) await Promise.all(gates);
      try {
        await this.send(batch);
        this.sent += batch.length;
      } catch (err) {
        this.log.log('warn', 'report_failed', { results: batch.length, message: (err as Error).message });
        this.pending = [...batch, ...this.pending];
        this.timer ??= setTimeout(() => void this.flush(), 1_000);
      }
    });
    return this.sending;
  }

  /** Stops the timer (pending results stay unsent). */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
