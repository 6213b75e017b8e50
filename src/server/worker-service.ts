// The gRPC WorkerApi: workers register, long-poll for datum tasks, report
// results with their logs, and their sidecars upload datum outputs. A worker
// gets the WorkerSpec of a pipeline version once: NextTasks leaves it out
// when the worker says it already has that version's.
import type { ServerDuplexStream, ServerReadableStream, sendUnaryData, ServiceError } from '@grpc/grpc-js';
import type { PipelineSpec, Pps } from '../pps/index.js';
import { BadWorkerMessage, SecretNotFound } from '../errors/index.js';
import type { SecretStore } from './secret-store.js';
import type { TaskWithData } from '../pps/index.js';
import type { DatumOutputRequest, DatumOutputResponse, StartedAck, StartedRequest, Task, WorkerApiServer, WorkerSpec } from '../gen/tusk/pps.js';
import { toServiceError } from '../rpc/errors.js';
import { checkDatumRef } from '../worker-protocol/index.js';
import { workerSpecMsg } from './convert-pps.js';
import { failStream, unaryHandler } from './handler.js';
import type { Logger } from '../log/logger.js';
import { openingMessage, readFileOps } from './modify-file-stream.js';

/**
 * `secrets`: where transform.secrets' values come from (they ride only in the WorkerSpec a pipeline's own workers get).
 * `podFields`: the kubernetes runtime, whose pods get secret files (mount_path), user and limits from the kubelet: the spec
 * carries none of them. It carries env_var secrets on both runtimes: the worker gives the code only the variables it chose.
 */
export function workerService(pps: Pps, log: Logger, secrets: SecretStore, podFields = false, starts = new StartedStreams()): WorkerApiServer {
  const specOf = async (spec: PipelineSpec) => (podFields ? { ...(await workerSpecWithSecrets(spec, secrets, false)), user: '', memoryLimitBytes: 0, memoryLimit: '' } : workerSpecWithSecrets(spec, secrets, true));
  return {
    register: unaryHandler(log, 'Register', async (req) => {
      const p = await pps.register(req.pipeline, req.worker);
      return { pipelineVersion: p.version, spec: await specOf(p.spec) };
    }),
    nextTasks: unaryHandler(log, 'NextTasks', async (req, call) => {
      const abort = new AbortController();
      call.on('cancelled', () => abort.abort());
      const { tasks, pipeline } = await pps.nextTasksWithData(req.pipeline, req.worker, req.max, req.waitMs, abort.signal);
      const known = pipeline.version === req.knownVersion;
      return { tasks: tasks.map(taskMsg), pipelineVersion: pipeline.version, spec: known ? undefined : await specOf(pipeline.spec) };
    }),
    report: unaryHandler(log, 'Report', async (req) => {
      const outcomes = req.results.map((r) => ({
        job: r.job,
        datum: r.datum,
        success: r.success,
        recovered: r.recovered,
        reason: r.reason,
        durationMs: r.durationMs,
        output: r.output,
        tries: r.tries,
        cpuMs: r.cpuMs,
        peakMemoryBytes: r.peakMemoryBytes,
        ...(r.inlineOutput ? { outputFiles: r.outputFiles } : {}),
      }));
      const logs = req.results.flatMap((r) =>
        r.logs.map((l) => ({ time: l.time, pipeline: req.pipeline, job: l.job || r.job, datum: l.datum || r.datum, stream: (l.stream || 'stdout') as 'stdout', message: l.message })),
      );
      // Lines of no datum: a spout's code.
      for (const l of req.logs) logs.push({ time: l.time, pipeline: req.pipeline, job: '', datum: '', stream: (l.stream || 'stdout') as 'stdout', message: l.message });
      await pps.report(req.pipeline, req.worker, outcomes, logs);
      return {};
    }),
    started: unaryHandler(log, 'Started', async (req) => {
      recordStart(pps, req.pipeline, req.worker, req);
      return {};
    }),
    startedStream: (call: ServerDuplexStream<StartedRequest, StartedAck>) => startedStream(pps, call, starts),
    putDatumOutput: (call: ServerReadableStream<DatumOutputRequest, DatumOutputResponse>, callback: sendUnaryData<DatumOutputResponse>) => {
      putDatumOutput(pps, call).then(
          (res) => callback(null, res),
          (err) => callback(toServiceError(err) as ServiceError),
        );
    },
  };
}

/** The open StartedStreams: a stopping daemon ends them (an open stream would hold up the gRPC server's shutdown). */
export class StartedStreams {
  private readonly open = new Set<() => void>();
  private closed = false;

  /** Registers a stream's end; false once the daemon is stopping (the stream is to be ended at once). */
  add(end: () => void): boolean {
    if (this.closed) return false;
    this.open.add(end);
    return true;
  }

  delete(end: () => void): void {
    this.open.delete(end);
  }

  /** Ends every open stream, and every one opened from now on. */
  close(): void {
    this.closed = true;
    for (const end of [...this.open]) end();
  }
}

/** How long a StartedAck waits for more starts to count: only a worker's reports wait for acks, never its code. */
const ACK_DELAY_MS = 20;

/**
 * StartedStream: each message is recorded as Started is, in arrival order; the first names the pipeline and
 * worker for the whole stream. One StartedAck counts the messages handled so far, sent ACK_DELAY_MS after the
 * first one it counts, so the starts of fast datums (one per turn of the event loop) share one answer. A
 * refused message ends the stream with its error (the worker then treats its unacknowledged starts as not
 * told, as after a failed Started call).
 */
function startedStream(pps: Pps, call: ServerDuplexStream<StartedRequest, StartedAck>, starts: StartedStreams): void {
  let pipeline = '';
  let worker = '';
  let handled = 0;
  let acked = 0;
  let ended = false;
  let timer: NodeJS.Timeout | undefined;
  const ack = () => {
    clearTimeout(timer);
    timer = undefined;
    if (ended || acked === handled || call.cancelled) return;
    acked = handled;
    call.write({ handled });
  };
  /** Ends the stream once: with `err`, else OK (after acknowledging what was handled). */
  const end = (err?: unknown) => {
    ack();
    if (ended) return;
    ended = true;
    starts.delete(end);
    if (err !== undefined) failStream(call, err);
    else if (!call.cancelled) call.end();
  };
  if (!starts.add(end)) return void call.end();
  call.on('cancelled', () => {
    ended = true;
    clearTimeout(timer);
    starts.delete(end);
  });
  call.on('data', (req: StartedRequest) => {
    if (ended) return;
    try {
      if (handled === 0) {
        if (!req.pipeline || !req.worker) throw new BadWorkerMessage('StartedStream', 'the first message must name the pipeline and the worker');
        pipeline = req.pipeline;
        worker = req.worker;
      } else if ((req.pipeline && req.pipeline !== pipeline) || (req.worker && req.worker !== worker)) {
        throw new BadWorkerMessage('StartedStream', `a message names ${req.pipeline}/${req.worker}, not the stream's ${pipeline}/${worker}`);
      }
      recordStart(pps, pipeline, worker, req);
    } catch (err) {
      return end(err);
    }
    handled++;
    timer ??= setTimeout(ack, ACK_DELAY_MS);
  });
  call.on('end', () => end());
}

/** One StartedRequest: a group of datums started ahead, or one datum. */
function recordStart(pps: Pps, pipeline: string, worker: string, req: StartedRequest): void {
  if (req.ahead.length > 0) pps.startedAhead(pipeline, worker, req.ahead);
  else pps.started(pipeline, worker, req.job, req.datum);
}

/** PutDatumOutput: one datum's output files, stored one at a time and kept only if the stream ended after close. */
async function putDatumOutput(pps: Pps, call: ServerReadableStream<DatumOutputRequest, DatumOutputResponse>): Promise<DatumOutputResponse> {
  const messages = call[Symbol.asyncIterator]() as AsyncIterator<DatumOutputRequest>;
  const upload = await pps.datumOutput(checkDatumRef(await openingMessage(messages, 'PutDatumOutput')));
  await readFileOps(messages, upload, () => call.cancelled, { bytes: 0, files: 0 }, 'PutDatumOutput');
  return upload.finish();
}

/** The WorkerSpec with transform.secrets' values: env_var from its key, and (`mounts`) mount_path with every key as a file. */
export async function workerSpecWithSecrets(spec: PipelineSpec, store: SecretStore, mounts: boolean): Promise<WorkerSpec> {
  const msg = workerSpecMsg(spec);
  for (const s of spec.transform.secrets) {
    if (!s.envVar && !mounts) continue;
    const values = await store.values(s.name);
    if (s.envVar) {
      const value = values[s.key];
      if (value === undefined) throw new SecretNotFound(s.name, `secret "${s.name}" has no key "${s.key}"`);
      msg.secretEnv.push({ name: s.envVar, value: value.toString('utf8') });
    }
    if (s.mountPath && mounts) msg.secretMounts.push({ path: s.mountPath, files: Object.entries(values).map(([key, data]) => ({ key, data })) });
  }
  return msg;
}

const EMPTY = Buffer.alloc(0);

function taskMsg({ task: t, data }: TaskWithData): Task {
  return {
    job: t.job,
    datum: t.datum,
    try: t.attempts,
    outputCommit: t.outputCommit,
    startAhead: !t.startAlone,
    inputs: t.inputs.map((i, n) => ({
      name: i.name,
      repo: i.repo,
      branch: i.branch,
      commit: i.commit,
      path: i.path,
      files: i.files.map((f, m) => {
        const bytes = data[n]?.[m];
        return { path: f.path, sizeBytes: f.size, hash: f.hash, data: bytes ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) : EMPTY, inline: bytes !== undefined };
      }),
      joinOn: i.joinOn ?? '',
      groupBy: i.groupBy ?? '',
      emptyFiles: i.emptyFiles,
      lazy: i.lazy,
    })),
  };
}
