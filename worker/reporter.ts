// Sending datum results to the coordinator in batches: a result waits at most
// `delayMs` (or until `maxBatch` are pending) before a Report call carries it
// (each Report costs the coordinator a sync of the outputs it points at, so
// fast datums must share one), and flush() sends everything at once. Reports
// go out one at a time in order; a failed one is kept and sent again, so no
// result is lost while the daemon is briefly away. While the worker has
// nothing to run and waits for tasks (`setIdle`), results go out at once, even
// beside a report still under way: there is nothing to batch them with then,
// and a job's last results would only wait out the delay, or for the report
// before them, which the coordinator may hold until its durable point
// (src/pps/durable-point.ts starts that point at once only for a report that
// brings a job's last results). A result may come with a call it must not
// overtake (its datum's Started, which the worker does not wait for before the
// code runs): its report goes out only once that call has settled, so the
// coordinator always sees a datum start before it sees its result.
import type { TaskResult } from '../src/client/index.js';
import type { Logger } from '../src/worker-protocol/index.js';

export type SendResults = (results: TaskResult[]) => Promise<void>;

export class Reporter {
  private pending: TaskResult[] = [];
  /** Calls the pending results must not overtake. */
  private gates: Promise<unknown>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();
  private idle = false;
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
    // Idle: on the next turn of the event loop, so the results that come in one answer share a report.
    else this.timer ??= setTimeout(() => void this.flush(), this.idle ? 0 : this.delayMs);
  }

  /**
   * The worker has nothing to run until more tasks come (true), or has again (false). Going idle sends
   * the pending results; while idle, a result goes out without waiting for the batch or the delay.
   */
  setIdle(idle: boolean): void {
    this.idle = idle;
    if (idle && this.pending.length > 0) void this.flush();
  }

  get waiting(): number {
    return this.pending.length;
  }

  /** Sends every pending result; resolves once they are sent (or kept for a later try after a failure), and those sent before. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    // Idle: sent now, beside a report still under way (see the head comment).
    if (this.idle && this.pending.length > 0) this.sending = Promise.all([this.sending, this.sendPending()]).then(() => {});
    else this.sending = this.sending.then(() => this.sendPending());
    return this.sending;
  }

  private async sendPending(): Promise<void> {
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
  }

  /** Stops the timer (pending results stay unsent). */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
