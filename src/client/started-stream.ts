// A worker's Started calls on one long-lived WorkerApi.StartedStream instead
// of a unary call per datum (each unary call costs the daemon and the worker
// a new HTTP/2 stream with its headers, trailers and access check; a stream
// message is one small frame each way). `started()` resolves once the daemon
// has acknowledged recording that start (StartedAck counts them in order),
// and rejects with the stream's error; the stream is opened on the first
// start and again after a failure. A daemon without StartedStream (an older
// one answers UNIMPLEMENTED) gets the unary Started for this start and every
// later one, so nothing is lost against an old daemon. `startedAhead()` tells
// a group of datums in one message (only those whose Task says start_ahead:
// a daemon that says so takes them).
import { status, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import type { StartedAck, StartedDatum, StartedRequest, WorkerApiClient } from '../gen/tusk/pps.js';
import { fromServiceError } from '../rpc/errors.js';
import { unary } from './connection.js';

interface Pending {
  /** Its place on the current stream (1 = the first message). */
  seq: number;
  job: string;
  datum: string;
  /** A group started ahead (job and datum are then empty). */
  ahead: StartedDatum[];
  resolve(): void;
  reject(err: Error): void;
}

export class StartedStream {
  private call: ClientDuplexStream<StartedRequest, StartedAck> | undefined;
  private sent = 0;
  private pending: Pending[] = [];
  /** The daemon has no StartedStream: unary calls from now on. */
  private unaryOnly = false;

  constructor(
    private readonly client: WorkerApiClient,
    private readonly pipeline: string,
    private readonly worker: string,
  ) {}

  /** Says the worker is about to run a leased datum's code; resolves once the daemon has recorded it. */
  started(job: string, datum: string): Promise<void> {
    return this.send(job, datum, []);
  }

  /** Says the worker will run these leased datums next, in order (each Task had start_ahead); resolves once the daemon has recorded them. */
  startedAhead(datums: readonly StartedDatum[]): Promise<void> {
    return this.send('', '', datums.map((d) => ({ job: d.job, datum: d.datum })));
  }

  private send(job: string, datum: string, ahead: StartedDatum[]): Promise<void> {
    if (this.unaryOnly) return this.unaryStarted(job, datum, ahead);
    const call = this.call ?? this.open();
    const first = this.sent === 0;
    const seq = ++this.sent;
    const done = new Promise<void>((resolve, reject) => this.pending.push({ seq, job, datum, ahead, resolve, reject }));
    call.write({ pipeline: first ? this.pipeline : '', worker: first ? this.worker : '', job, datum, ahead });
    return done;
  }

  /** Ends the stream (starts not yet acknowledged fail). */
  close(): void {
    const call = this.call;
    if (!call) return;
    this.fail(call, new Error('the Started stream was closed'));
    call.end();
  }

  private open(): ClientDuplexStream<StartedRequest, StartedAck> {
    const call = this.client.startedStream();
    this.call = call;
    this.sent = 0;
    call.on('data', (ack: StartedAck) => {
      if (this.call !== call) return;
      let n = 0;
      while (n < this.pending.length && this.pending[n]!.seq <= ack.handled) n++;
      for (const p of this.pending.splice(0, n)) p.resolve();
    });
    call.on('error', (err: ServiceError) => {
      if (this.call !== call) return;
      if (err.code === status.UNIMPLEMENTED) return this.toUnary(call);
      this.fail(call, fromServiceError(err));
    });
    call.on('end', () => {
      if (this.call === call) this.fail(call, fromServiceError({ code: status.UNAVAILABLE, details: 'the Started stream ended' }));
    });
    return call;
  }

  /** Every start not yet acknowledged fails with `err`; the next start opens a new stream. */
  private fail(call: ClientDuplexStream<StartedRequest, StartedAck>, err: Error): void {
    if (this.call !== call) return;
    this.call = undefined;
    for (const p of this.pending.splice(0)) p.reject(err);
  }

  /** An older daemon: what was sent on the stream goes again as unary calls, and so does every later start. */
  private toUnary(call: ClientDuplexStream<StartedRequest, StartedAck>): void {
    this.unaryOnly = true;
    this.call = undefined;
    call.end();
    for (const p of this.pending.splice(0)) this.unaryStarted(p.job, p.datum, p.ahead).then(p.resolve, p.reject);
  }

  private async unaryStarted(job: string, datum: string, ahead: StartedDatum[]): Promise<void> {
    await unary((cb) => this.client.started({ pipeline: this.pipeline, worker: this.worker, job, datum, ahead }, cb));
  }
}
