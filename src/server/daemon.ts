// tuskd assembled: metadata (LevelDB under $TUSK_HOME/meta), the object store
// (TUSK_STORAGE, with a local read cache in front of a remote one), the
// content store and file tree over it, PFS, and the gRPC and HTTP servers.
// start() returns once every port answers; stop() closes them cleanly.
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import type { Server as HttpServer } from 'node:http';
import { join } from 'node:path';
import { Server } from '@grpc/grpc-js';
import { TuskError } from '../errors/index.js';
import { AuthFile, Authority } from '../auth/index.js';
import { AdminApiService, type GcRequest } from '../gen/tusk/admin.js';
import { AuthApiService } from '../gen/tusk/auth.js';
import { PpsApiService, WorkerApiService } from '../gen/tusk/pps.js';
import { Pfs, type GcRoot, type UsageHook } from '../pfs/index.js';
import { LogStore, NoWorkers, Pps, systemTimers, type WorkerRuntime } from '../pps/index.js';
import { openKubernetesRuntime, type KubernetesRuntime } from '../runtime/kubernetes/index.js';
import { LocalRuntime } from '../runtime/local-runtime.js';
import { processStartTicks } from '../runtime/process-start.js';
import { CacheStore } from '../storage/cache-store.js';
import { ContentStore } from '../storage/content-store.js';
import { LevelMetadataStore } from '../storage/level-metadata-store.js';
import { MeteredStore, type StoreMeter } from '../storage/metered-store.js';
import type { ObjectStore } from '../storage/object-store.js';
import { openObjectStore, openS3Prefix } from '../storage/store-url.js';
import { FileTree } from '../tree/index.js';
import type { DaemonConfig } from './config.js';
import { ConsoleEvents } from './console-events.js';
import { ConsoleFiles } from './console-static.js';
import { grpcMetricsInterceptor } from './grpc-metrics.js';
import { startHttpServer } from './http-server.js';
import { JsonGateway } from './json-gateway.js';
import { ObservedPpsStore } from './observed-pps-store.js';
import { MultipartStore, startS3Gateway } from './s3/index.js';
import type { Logger } from '../log/logger.js';
import { Metrics } from './metrics.js';
import { PipelineSeries, SAMPLE_INTERVAL_MS, sampleEvery } from './pipeline-series.js';
import { widenFlowControl } from './http2-tuning.js';
import { pfsService, pfsServiceDefinition } from './pfs-service.js';
import { ppsService } from './pps-service.js';
import { SecretStore } from './secret-store.js';
import { StartedStreams, workerService } from './worker-service.js';
import { unaryHandler } from './handler.js';
import { VERSION } from './version.js';
import { GarbageCollection, gcResponse } from './garbage-collection.js';
import { AccessGate } from './access-gate.js';
import { accessLookups } from './access-lookups.js';
import { authInterceptor, SUBJECT_HEADER } from './auth-interceptor.js';
import { authService } from './auth-service.js';
import { exposureWarning } from './listen-address.js';
import { grpcCredentials, loadTls, loopbackCredentials } from './tls.js';

export interface DaemonInfo {
  pid: number;
  port: number;
  /** Where clients reach the gRPC API (grpcs://… with TLS). */
  address: string;
  httpPort: number;
  s3Port: number;
  home: string;
  storage: string;
}

export class Daemon {
  private constructor(
    readonly info: DaemonInfo,
    readonly pfs: Pfs,
    readonly pps: Pps,
    private readonly meta: LevelMetadataStore,
    private readonly content: ContentStore,
    private readonly grpc: Server,
    private readonly http: HttpServer,
    private readonly s3: HttpServer,
    private readonly log: Logger,
    private readonly events: ConsoleEvents,
    private readonly api: JsonGateway,
    private readonly gc: GarbageCollection,
    private readonly stopSampling: () => void,
    private readonly startedStreams: StartedStreams,
  ) {}

  static async start(config: DaemonConfig, log: Logger): Promise<Daemon> {
    await mkdir(config.home, { recursive: true });
    const tls = await loadTls(config.tls);
    const meta = await openMetadata(join(config.home, 'meta'), config.home);
    try {
      // Scrape-time figures read the pipeline system and runtime, bound below once they exist.
      let pps: Pps | undefined;
      let runtime: WorkerRuntime | undefined;
      const metrics = new Metrics({
        jobCounts: async () => countJobs((await pps?.listJobs()) ?? []),
        workers: async () => ((await pps?.pipelines.list()) ?? []).map((p) => ({ pipeline: p.name, count: runtime?.running(p.name) ?? 0 })),
      });
      const objects = await openStore(config, metrics.storeMeter());
      if (objects instanceof CacheStore) metrics.watchCache(() => objects.stats());
      const content = await ContentStore.open(objects, { log: (level, event, fields) => log.log(level, event, fields), direct: objects instanceof CacheStore ? objects.inner : objects });
      // Booted now, in the background (+~20 MB RSS, ~0.1 CPU-s at start), not by the first large put, whose reads
      // would otherwise wait for them: measured, that put's wall -60..-100 ms of ~1.3 s per GiB.
      content.warm();
      const tree = new FileTree(content.blobs);
      // PFS asks the pipeline system who uses a repo before deleting it; the hook is bound once both exist.
      const usage: UsageHook = {
        repoUsers: (repo) => pps?.repoUsers(repo) ?? Promise.resolve([]),
        branchUsers: (repo, branch) => pps?.branchUsers(repo, branch) ?? Promise.resolve([]),
        outputPipeline: (repo) => pps?.outputPipeline(repo) ?? Promise.resolve(undefined),
      };
      const clock = () => new Date();
      const random = (n: number) => randomBytes(n);
      const uploads = new MultipartStore(meta);
      // Roots of garbage collection outside PFS: datum outputs the pipeline system keeps, multipart parts in flight.
      const gcRoots = async function* (): AsyncIterable<GcRoot> {
        if (pps) yield* pps.gcRoots();
        for await (const p of uploads.allParts()) yield { kind: 'content', owner: `multipart upload ${p.uploadId} part ${p.partNumber}`, content: p.content };
      };
      const pfs = await Pfs.open({ meta, content, tree, clock, random, usage, gcRoots, log: log.log });
      const gc = new GarbageCollection(content, pfs, { intervalMs: config.gcIntervalMs, packThreshold: config.gcPackThreshold, log: log.log });
      const authFile = new AuthFile(join(config.home, 'auth'));
      const saved = await authFile.load();
      const authority = new Authority(
        { clock, random, save: (state) => authFile.save(state), createKey: () => authFile.createKey(), audit: (action, fields) => log.log('info', 'audit', { action, ...fields }) },
        saved?.state,
        saved?.key,
      );
      const secrets = new SecretStore({ meta, key: () => authFile.secretsKey(), clock, random });
      const lookups = accessLookups(pfs, () => pps);
      const gate = new AccessGate(authority, lookups, log);
      // The console's live updates: what changed in PFS and the pipeline system, sent to open browsers.
      const events = new ConsoleEvents();
      pfs.onFinish(async (c) => events.publish({ kind: 'commit', repo: c.repo, id: c.id }));
      pfs.onBranchMoved(async (m) => events.publish({ kind: 'branch', repo: m.repo, id: m.branch }));
      let grpcPort = config.port;
      let kubernetes: KubernetesRuntime | undefined;
      // Each pipeline's workers and sidecars speak as pipeline:NAME once access control is on.
      const pipelineToken = (pipeline: string) => (authority.active ? authority.pipelineToken(pipeline) : undefined);
      if (config.runtime === 'none') runtime = new NoWorkers();
      else if (config.runtime === 'kubernetes') runtime = kubernetes = await openKubernetesRuntime(process.env, () => pps, log.log, pipelineToken, (name) => secrets.values(name));
      else {
        runtime = new LocalRuntime({
          home: config.home,
          address: () => `${tls ? 'grpcs://' : ''}127.0.0.1:${grpcPort}`,
          // With TLS, workers trust the daemon's own certificate (it must name 127.0.0.1 or localhost).
          env: config.tls ? { TUSK_TLS_CA: config.tls.certFile } : {},
          onLost: (pipeline, worker, reason, running) => pps?.workerLost(pipeline, worker, reason, running),
          onTrouble: (pipeline, reason) => {
            pps?.workersTrouble(pipeline, reason).catch((err) => log.log('error', 'workers_trouble_failed', { pipeline, message: (err as Error).message }));
          },
          token: pipelineToken,
          log: log.log,
          limits: config.workerLimits,
          isolateNetwork: config.isolateNetwork,
        });
      }
      pps = new Pps({
        workerLimits: config.workerLimits,
        pfs,
        store: new ObservedPpsStore(meta, {
          job: (j) => events.publish({ kind: 'job', pipeline: j.pipeline, id: j.id, state: j.state }),
          datum: (pipeline, job, d) => {
            if (d.state !== 'running' && d.state !== 'queued') metrics.datumEnded(pipeline, d.state, d.durationMs);
            events.publish({ kind: 'datum', pipeline, id: job });
          },
          pipeline: (name, p) => events.publish({ kind: 'pipeline', pipeline: name, state: p?.state ?? 'deleted' }),
        }),
        logs: new LogStore(join(config.home, 'logs', 'pipelines')),
        runtime,
        content,
        tree,
        clock,
        timers: systemTimers,
        retention: config.retention,
        retentionIntervalMs: config.retentionIntervalMs,
        // Under sustained fast datums, one durable point of their outputs per second instead of one per report.
        outputSyncGapMs: 1000,
        random,
        log: log.log,
        secrets,
        // Pipeline egress (s3://bucket/prefix): endpoint and credentials from the daemon's AWS environment.
        egress: (url) => {
          const { store, close } = openS3Prefix(url, process.env);
          return { put: (key, data) => store.put(key, data), close };
        },
      });

      const grpc = new Server({
        'grpc.max_receive_message_length': 64 * 1024 * 1024,
        'grpc.max_send_message_length': 64 * 1024 * 1024,
        interceptors: [grpcMetricsInterceptor(metrics), authInterceptor(gate)],
      });
      const warning = () => (authority.active ? '' : exposureWarning(config.host));
      grpc.addService(pfsServiceDefinition, pfsService(pfs, log, pps.removal, { localFiles: config.localFiles }));
      // The pipeline view's last hour: /metrics' pipeline figures sampled every 30 s.
      const series = new PipelineSeries();
      const seriesOf = async (pipeline: string) => {
        const current = (await metrics.pipelineReadings()).find((r) => r.pipeline === pipeline);
        return { samples: series.view(pipeline, Date.now(), current), intervalMs: SAMPLE_INTERVAL_MS };
      };
      grpc.addService(PpsApiService, ppsService(pps, runtime, log, secrets, seriesOf));
      const startedStreams = new StartedStreams();
      grpc.addService(WorkerApiService, workerService(pps, log, secrets, config.runtime === 'kubernetes', startedStreams));
      grpc.addService(AuthApiService, authService(authority, log, () => pps!.restartWorkers(), (repo) => lookups.repoExists(repo)));
      grpc.addService(AdminApiService, {
        // Anyone may ask the version; where the daemon keeps its data is for callers with a valid token.
        version: unaryHandler(log, 'Version', async (_req, call) => {
          const known = !authority.active || call.metadata.get(SUBJECT_HEADER).length > 0;
          return { version: VERSION, storage: known ? objects.describe() : '', home: known ? config.home : '', pid: known ? process.pid : 0, warning: warning(), authActive: authority.active };
        }),
        gc: unaryHandler(log, 'Gc', async (req: GcRequest) => gcResponse(await gc.run(req.dryRun))),
      });
      const port = await new Promise<number>((resolve, reject) =>
        grpc.bindAsync(`${config.host}:${config.port}`, grpcCredentials(tls), (err, p) => (err ? reject(portError('gRPC', config.port, err)) : resolve(p))),
      );
      if (!widenFlowControl(grpc)) log.log('warn', 'http2_defaults', { message: 'could not widen HTTP/2 flow control windows; transfers will be slower' });
      let ready = false;
      grpcPort = port;
      // The console's API reaches the gRPC server the way `tusk` does, so its interceptors apply too.
      const api = new JsonGateway(`${loopback(config.host)}:${port}`, [pfsServiceDefinition, PpsApiService, AdminApiService], loopbackCredentials(tls));
      const http = await startHttpServer(config.host, config.httpPort, { metrics, healthy: () => ready, api, events, files: new ConsoleFiles() }, tls).catch((err) => {
        grpc.forceShutdown();
        throw portError('HTTP', config.httpPort, err);
      });
      const httpPort = (http.address() as { port: number }).port;
      const s3 = await startS3Gateway(config.host, config.s3Port, {
        pfs,
        tree,
        content,
        uploads,
        credentials: {
          keys: new Map(config.s3Key ? [[config.s3Key.accessKeyId, config.s3Key.secretAccessKey]] : []),
          anonymous: config.s3Anonymous,
          hint: config.s3Key
            ? 'sign requests with the key in TUSK_S3_ACCESS_KEY_ID (or start tuskd with TUSK_S3_ANONYMOUS=true)'
            : 'tuskd has no S3 key: start it with TUSK_S3_ACCESS_KEY_ID and TUSK_S3_SECRET_ACCESS_KEY set (or TUSK_S3_ANONYMOUS=true), or turn access control on and use `tusk auth create-s3-key`',
        },
        clock,
        log,
        gate,
        observe: (operation, status, seconds) => metrics.s3Request(operation, status, seconds),
      }, tls).catch((err) => {
        grpc.forceShutdown();
        http.close();
        throw portError('S3', config.s3Port, err);
      });
      const s3Port = (s3.address() as { port: number }).port;
      if (warning()) log.log('warn', 'listening_without_auth', { host: config.host, message: warning() });
      if (!config.s3Key && !config.s3Anonymous && !authority.active) log.log('warn', 's3_no_keys', { message: 'the S3 gateway refuses every request: set TUSK_S3_ACCESS_KEY_ID and TUSK_S3_SECRET_ACCESS_KEY (or TUSK_S3_ANONYMOUS=true)' });
      const info: DaemonInfo = { pid: process.pid, port, address: `${tls ? 'grpcs://' : ''}127.0.0.1:${port}`, httpPort, s3Port, home: config.home, storage: objects.describe() };
      // startTicks: `tusk down` and `tusk up` check it, so a pid reused after this daemon died is never taken for it
      await writeWhole(join(config.home, 'tuskd.json'), JSON.stringify({ ...info, startTicks: processStartTicks('self') }) + '\n');
      await writeWhole(join(config.home, 'tuskd.pid'), `${process.pid}\n`);
      // Adopts the workloads this tuskd left running before the pipeline system asks for workers.
      await kubernetes?.start();
      await pps.start();
      // After the pipeline system listens for branch moves: triggers that came due while down fire now.
      await pfs.triggers.start();
      gc.start();
      const stopSampling = sampleEvery(series, () => metrics.pipelineReadings(), {
        clock: () => Date.now(),
        timers: systemTimers,
        onError: (err) => log.log('warn', 'series_sample_failed', { error: String(err) }),
      });
      ready = true;
      log.log('info', 'daemon_started', { ...info, version: VERSION, workerLimits: config.workerLimits, isolateNetwork: config.isolateNetwork });
      return new Daemon(info, pfs, pps, meta, content, grpc, http, s3, log, events, api, gc, stopSampling, startedStreams);
    } catch (err) {
      await meta.close();
      throw err;
    }
  }

  async stop(): Promise<void> {
    this.stopSampling();
    this.pfs.triggers.stop();
    await this.gc.stop();
    // Console calls in flight (a followed log) would hold the gRPC server open.
    this.api.close();
    this.events.close();
    await this.pps.stop();
    // Workers' Started streams stay open for their whole life: they would hold the shutdown below.
    this.startedStreams.close();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.grpc.forceShutdown();
        resolve();
      }, 5000);
      this.grpc.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
    this.http.closeAllConnections?.();
    const s3Closed = new Promise<void>((resolve) => this.s3.close(() => resolve()));
    this.s3.closeIdleConnections?.();
    const s3Timer = setTimeout(() => this.s3.closeAllConnections?.(), 2000);
    await s3Closed;
    clearTimeout(s3Timer);
    await this.content.close();
    await this.meta.close();
    await rm(join(this.info.home, 'tuskd.pid'), { force: true });
    await rm(join(this.info.home, 'tuskd.json'), { force: true });
    this.log.log('info', 'daemon_stopped', {});
  }
}

async function openMetadata(dir: string, home: string): Promise<LevelMetadataStore> {
  try {
    return await LevelMetadataStore.open(dir);
  } catch (err) {
    // classic-level fails the open with LEVEL_DATABASE_NOT_OPEN, caused by LEVEL_LOCKED when another process holds the LOCK file.
    const code = (err as { code?: string; cause?: { code?: string } }).cause?.code ?? (err as { code?: string }).code;
    if (code === 'LEVEL_LOCKED') {
      throw new TuskError('failed_precondition', 'HomeInUse', `another tuskd is already using ${home}`);
    }
    // LevelDB's own reason (permission denied, read-only file system, not a directory) is in the cause.
    const cause = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
    throw new TuskError('failed_precondition', 'MetadataUnavailable', `cannot open the metadata database ${dir}: ${cause}`, { path: dir, reason: cause });
  }
}

/** The configured store, metered (the remote one, behind the local cache, so hits cost no request). */
async function openStore(config: DaemonConfig, meter: StoreMeter): Promise<ObjectStore> {
  const store = new MeteredStore(openObjectStore(config.storage), meter);
  if (config.storage.startsWith('file:')) return store;
  return new CacheStore(store, join(config.home, 'cache'), config.cacheBytes);
}

/** Writes a file that readers (`tusk`, tests polling for it) see either absent or complete: a temp file renamed into place. */
async function writeWhole(path: string, text: string): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

const PORT_FLAG: Record<string, string> = { gRPC: '--port', HTTP: '--http-port', S3: '--s3-port' };

/** A port that cannot be had; when another process holds it (grpc-js only says so inside its message), which flag picks another. */
function portError(what: string, port: number, err: unknown): TuskError {
  const e = err as NodeJS.ErrnoException;
  const taken = e.code === 'EADDRINUSE' || /EADDRINUSE/.test(e.message ?? '');
  const why = taken ? `another process is listening there (choose another port with ${PORT_FLAG[what] ?? '--port'})` : e.message;
  return new TuskError('unavailable', 'PortInUse', `cannot listen for ${what} on port ${port}: ${why}`);
}

/** Where the daemon reaches its own gRPC server: loopback when it listens on every interface. */
function loopback(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

function countJobs(jobs: readonly { pipeline: string; state: string }[]): { pipeline: string; state: string; count: number }[] {
  const counts = new Map<string, { pipeline: string; state: string; count: number }>();
  for (const j of jobs) {
    const key = `${j.pipeline}/${j.state}`;
    const c = counts.get(key) ?? { pipeline: j.pipeline, state: j.state, count: 0 };
    c.count++;
    counts.set(key, c);
  }
  return [...counts.values()];
}
