// The gRPC PpsApi: pipelines, jobs, datums, logs and provenance, translated
// to and from src/pps.
import type { ServerWritableStream } from '@grpc/grpc-js';
import { InvalidArgument } from '../errors/index.js';
import type { Pps } from '../pps/index.js';
import type { ListDatumRequest, LogLine, LogsRequest, PpsApiServer } from '../gen/tusk/pps.js';
import { datumMsg, experimentRepoMsg, impactRowMsg, jobMsg, logMsg, pipelineMsg, provenanceMsg, transactionMsg, transactionOpOf } from './convert-pps.js';
import { failStream, streamHandler, unaryHandler, write } from './handler.js';
import type { Logger } from '../log/logger.js';
import type { WorkerRuntime } from '../pps/index.js';
import type { SecretStore } from './secret-store.js';
import type { SeriesSample } from './pipeline-series.js';

/** The last hour of one pipeline's figures (the daemon's PipelineSeries fed from /metrics). */
export type SeriesSource = (pipeline: string) => Promise<{ samples: SeriesSample[]; intervalMs: number }>;

export function ppsService(pps: Pps, runtime: WorkerRuntime, log: Logger, secrets: SecretStore, series: SeriesSource): PpsApiServer {
  const u = <Req, Res>(name: string, fn: (req: Req) => Promise<Res>) => unaryHandler<Req, Res>(log, name, fn);
  const pipeline = async (p: Parameters<typeof pipelineMsg>[0]) => pipelineMsg(p, runtime.running(p.name), await pps.branchVersions(p));
  return {
    createPipeline: u('CreatePipeline', async (req) => {
      if (req.branch && !req.update) throw new InvalidArgument('BranchNeedsUpdate', `--branch applies to \`tusk update pipeline\`: create the pipeline on the main line first`);
      return pipeline(await pps.pipelines.create(req.spec, { update: req.update, reprocess: req.reprocess, branch: req.branch || undefined, dryRun: req.dryRun }));
    }),
    inspectPipeline: u('InspectPipeline', async (req) => {
      const p = await pps.pipelines.get(req.name);
      return pipelineMsg(p, runtime.running(p.name), await pps.branchVersions(p), await pps.datumUsage(p), pps.workers(p.name));
    }),
    pipelineSeries: u('PipelineSeries', async (req) => {
      await pps.pipelines.get(req.name);
      const { samples, intervalMs } = await series(req.name);
      return { samples: samples.map((s) => ({ ...s, at: new Date(s.at).toISOString() })), intervalSeconds: Math.round(intervalMs / 1000) };
    }),
    pipelineHistory: u('PipelineHistory', async (req) => ({
      versions: (await pps.pipelines.history(req.name, req.history)).map((v) => ({ version: v.version, specJson: JSON.stringify(v.spec), runsOn: v.runsOn })),
    })),
    listPipeline: u('ListPipeline', async () => ({ pipelines: await Promise.all((await pps.pipelines.list()).map(pipeline)) })),
    deletePipeline: u('DeletePipeline', async (req) => (await pps.pipelines.delete(req.name, req.force, req.keepRepo), {})),
    stopPipeline: u('StopPipeline', async (req) => pipeline(await pps.pipelines.stop(req.name))),
    startPipeline: u('StartPipeline', async (req) => pipeline(await pps.pipelines.start(req.name))),
    runPipeline: u('RunPipeline', async (req) => jobMsg(await pps.runPipeline(req.name, req.branch || undefined))),
    experimentDiff: u('ExperimentDiff', async (req) => ({ repos: (await pps.experiments.diff(req.branch)).map(experimentRepoMsg) })),
    promoteExperiment: u('PromoteExperiment', async (req) => pps.experiments.promote(req.branch)),
    listExperiments: u('ListExperiments', async () => ({ experiments: await pps.experiments.list() })),
    deleteExperiment: u('DeleteExperiment', async (req) => pps.experiments.delete(req.branch)),
    impact: u('Impact', async (req) => {
      if (!req.ref === !req.spec) throw new InvalidArgument('BadImpactRequest', 'give either a commit or branch (REPO@REF) or a spec file (-f), not both');
      const rows = req.ref ? await pps.impactOfRef(req.ref) : await pps.impactOfSpec(req.spec, req.branch || undefined, req.reprocess);
      return { rows: rows.map(impactRowMsg) };
    }),
    // Secrets: names and keys in, names and keys out; values never leave through this API.
    createSecret: u('CreateSecret', async (req) => secrets.create(req.name, req.data)),
    listSecret: u('ListSecret', async () => ({ secrets: await secrets.list() })),
    inspectSecret: u('InspectSecret', async (req) => secrets.inspect(req.name)),
    deleteSecret: u('DeleteSecret', async (req) => (await secrets.delete(req.name), {})),
    runCron: u('RunCron', async (req) => {
      await pps.pipelines.get(req.name);
      const ids = await pps.crons.tick(req.name, req.input || undefined);
      return { commits: ids };
    }),

    listJob: u('ListJob', async (req) => {
      if (req.pipeline) await pps.pipelines.get(req.pipeline);
      return { jobs: (await pps.listJobs(req.pipeline || undefined)).map(jobMsg) };
    }),
    inspectJob: u('InspectJob', async (req) => jobMsg(req.wait ? await pps.jobs.wait(req.pipeline, req.id) : await pps.jobs.get(req.pipeline, req.id))),
    listDatum: streamHandler(log, 'ListDatum', (req: ListDatumRequest) => (req.spec ? proposedDatums(req) : datums(req.pipeline, req.job)), (items) => ({ datums: items })),
    inspectDatum: u('InspectDatum', async (req) => datumMsg(req.pipeline, req.job, await pps.inspectDatum(req.pipeline, req.job, req.datum))),
    restartDatum: u('RestartDatum', async (req) => jobMsg(await pps.control.restartDatum(req.pipeline, req.job, req.datum))),
    stopJob: u('StopJob', async (req) => jobMsg(await pps.control.stop(req.pipeline, req.id))),
    deleteJob: u('DeleteJob', async (req) => (await pps.control.delete(req.pipeline, req.id), {})),
    getLogs: (call: ServerWritableStream<LogsRequest, LogLine>) => {
      const req = call.request;
      (async () => {
        await pps.pipelines.get(req.pipeline);
        const filter = { pipeline: req.pipeline, job: req.job || undefined, datum: req.datum || undefined };
        let unfollow: (() => void) | undefined;
        const live: LogLine[] = [];
        if (req.follow) unfollow = pps.followLogs(filter, (e) => live.push(logMsg(e)));
        for await (const e of pps.readLogs(filter)) {
          if (call.cancelled) return unfollow?.();
          await write(call, logMsg(e));
        }
        if (!unfollow) return call.end();
        // Follow: forward new lines until the client goes away.
        const seen = new Set<string>();
        while (!call.cancelled) {
          for (const line of live.splice(0)) {
            const key = JSON.stringify(line);
            if (seen.has(key)) continue;
            seen.add(key);
            await write(call, line);
          }
          await new Promise((r) => setTimeout(r, 100));
        }
        unfollow();
      })().catch((err) => failStream(call, err));
    },

    provenance: u('Provenance', async (req) => provenanceMsg(await pps.provenance(req.ref))),
    subvenance: u('Subvenance', async (req) => provenanceMsg(await pps.subvenance(req.ref))),

    startTransaction: u('StartTransaction', async () => transactionMsg(await pps.transactions.start())),
    addTransactionOp: u('AddTransactionOp', async (req) => transactionMsg(await pps.transactions.add(req.id, transactionOpOf(req.op)))),
    finishTransaction: u('FinishTransaction', async (req) => {
      const done = await pps.transactions.finish(req.id);
      return { transaction: transactionMsg(done.transaction), jobs: done.jobs.map(jobMsg) };
    }),
    deleteTransaction: u('DeleteTransaction', async (req) => (await pps.transactions.delete(req.id), {})),
    listTransaction: u('ListTransaction', async () => ({ transactions: (await pps.transactions.list()).map(transactionMsg) })),
    inspectTransaction: u('InspectTransaction', async (req) => transactionMsg(await pps.transactions.get(req.id))),
  };

  async function* datums(pipelineName: string, job: string) {
    for (const d of await pps.listDatums(pipelineName, job)) yield datumMsg(pipelineName, job, d);
  }

  async function* proposedDatums(req: ListDatumRequest) {
    const { pipeline, datums } = await pps.datumsOfSpec(req.spec, req.branch || undefined, req.reprocess);
    for (const d of datums) yield datumMsg(pipeline, '', d);
  }
}
