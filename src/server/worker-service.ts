// The gRPC WorkerApi: workers register, long-poll for datum tasks, report
// results with their logs, and their sidecars upload datum outputs.
import type { ServerReadableStream, sendUnaryData, ServiceError } from '@grpc/grpc-js';
import type { Pps } from '../pps/index.js';
import type { TaskWithData } from '../pps/index.js';
import type { ModifyFileRequest } from '../gen/tusk/pfs.js';
import type { DatumOutputResponse, Task, WorkerApiServer } from '../gen/tusk/pps.js';
import { toServiceError } from '../rpc/errors.js';
import { readFileStream } from './file-stream.js';
import { unaryHandler } from './handler.js';
import type { Logger } from './log.js';

export function workerService(pps: Pps, log: Logger): WorkerApiServer {
  return {
    register: unaryHandler(log, 'Register', async (req) => {
      const p = await pps.register(req.pipeline, req.worker);
      return { pipelineVersion: p.version, specJson: JSON.stringify(p.spec) };
    }),
    nextTasks: unaryHandler(log, 'NextTasks', async (req, call) => {
      const abort = new AbortController();
      call.on('cancelled', () => abort.abort());
      const { tasks, pipeline } = await pps.nextTasksWithData(req.pipeline, req.worker, req.max, req.waitMs, abort.signal);
      return { tasks: tasks.map(taskMsg), pipelineVersion: pipeline.version, specJson: JSON.stringify(pipeline.spec) };
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
      await pps.report(req.pipeline, req.worker, outcomes, logs);
      return {};
    }),
    putDatumOutput: (call: ServerReadableStream<ModifyFileRequest, DatumOutputResponse>, callback: sendUnaryData<DatumOutputResponse>) => {
      readFileStream(call, (target) => pps.datumOutput(target))
        .then((upload) => upload.finish())
        .then(
          (res) => callback(null, res),
          (err) => callback(toServiceError(err) as ServiceError),
        );
    },
  };
}

const EMPTY = Buffer.alloc(0);

function taskMsg({ task: t, data }: TaskWithData): Task {
  return {
    job: t.job,
    datum: t.datum,
    try: t.attempts,
    outputCommit: t.outputCommit,
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
