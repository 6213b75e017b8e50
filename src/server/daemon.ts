// tuskd assembled: metadata (LevelDB under $TUSK_HOME/meta), the object store
// (TUSK_STORAGE, with a local read cache in front of a remote one), the
// content store and file tree over it, PFS, and the gRPC and HTTP servers.
// start() returns once every port answers; stop() closes them cleanly.
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import type { Server as HttpServer } from 'node:http';
import { join } from 'node:path';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { TuskError } from '../errors/index.js';
import { AdminApiService } from '../gen/tusk/admin.js';
import { PpsApiService, WorkerApiService } from '../gen/tusk/pps.js';
import { Pfs, type UsageHook } from '../pfs/index.js';
import { LogStore, NoWorkers, Pps, PpsStore, systemTimers, type WorkerRuntime } from '../pps/index.js';
import { LocalRuntime } from '../runtime/local-runtime.js';
import { CacheStore } from '../storage/cache-store.js';
import { ContentStore } from '../storage/content-store.js';
import { LevelMetadataStore } from '../storage/level-metadata-store.js';
import type { ObjectStore } from '../storage/object-store.js';
import { openObjectStore, openS3Prefix } from '../storage/store-url.js';
import { FileTree } from '../tree/index.js';
import type { DaemonConfig } from './config.js';
import { startHttpServer } from './http-server.js';
import { MultipartStore, startS3Gateway } from './s3/index.js';
import type { Logger } from '../log/logger.js';
import { Metrics } from './metrics.js';
import { widenFlowControl } from './http2-tuning.js';
import { pfsService, pfsServiceDefinition } from './pfs-service.js';
import { ppsService } from './pps-service.js';
import { workerService } from './worker-service.js';
import { unaryHandler } from './handler.js';
import { VERSION } from './version.js';

export interface DaemonInfo {
  pid: number;
  port: number;
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
  ) {}

  static async start(config: DaemonConfig, log: Logger): Promise<Daemon> {
    await mkdir(config.home, { recursive: true });
    const meta = await openMetadata(join(config.home, 'meta'), config.home);
    try {
      const objects = await openStore(config);
      const content = await ContentStore.open(objects, { log: (level, event, fields) => log.log(level, event, fields) });
      const tree = new FileTree(content.blobs);
      // PFS asks the pipeline system who uses a repo before deleting it; the hook is bound once both exist.
      let pps: Pps | undefined;
      const usage: UsageHook = {
        repoUsers: (repo) => pps?.repoUsers(repo) ?? Promise.resolve([]),
        branchUsers: (repo, branch) => pps?.branchUsers(repo, branch) ?? Promise.resolve([]),
        outputPipeline: (repo) => pps?.outputPipeline(repo) ?? Promise.resolve(undefined),
      };
      const clock = () => new Date();
      const random = (n: number) => randomBytes(n);
      const pfs = await Pfs.open({ meta, content, tree, clock, random, usage, log: log.log });
      const metrics = new Metrics();
      let grpcPort = config.port;
      const runtime: WorkerRuntime = config.runtime === 'none' ? new NoWorkers() : new LocalRuntime({
        home: config.home,
        address: () => `127.0.0.1:${grpcPort}`,
        onLost: (pipeline, worker, reason) => pps?.workerLost(pipeline, worker, reason),
        log: log.log,
        limits: config.workerLimits,
        isolateNetwork: config.isolateNetwork,
      });
      pps = new Pps({
        workerLimits: config.workerLimits,
        pfs,
        store: new PpsStore(meta),
        logs: new LogStore(join(config.home, 'logs', 'pipelines')),
        runtime,
        content,
        tree,
        clock,
        timers: systemTimers,
        random,
        log: log.log,
        // Pipeline egress (s3://bucket/prefix): endpoint and credentials from the daemon's AWS environment.
        egress: (url) => {
          const { store, close } = openS3Prefix(url, process.env);
          return { put: (key, data) => store.put(key, data), close };
        },
      });

      const grpc = new Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024, 'grpc.max_send_message_length': 64 * 1024 * 1024 });
      grpc.addService(pfsServiceDefinition, pfsService(pfs, log));
      grpc.addService(PpsApiService, ppsService(pps, runtime, log));
      grpc.addService(WorkerApiService, workerService(pps, log));
      grpc.addService(AdminApiService, {
        version: unaryHandler(log, 'Version', async () => ({ version: VERSION, storage: objects.describe(), home: config.home, pid: process.pid })),
      });
      const port = await new Promise<number>((resolve, reject) =>
        grpc.bindAsync(`${config.host}:${config.port}`, ServerCredentials.createInsecure(), (err, p) => (err ? reject(portError('gRPC', config.port, err)) : resolve(p))),
      );
      if (!widenFlowControl(grpc)) log.log('warn', 'http2_defaults', { message: 'could not widen HTTP/2 flow control windows; transfers will be slower' });
      let ready = false;
      grpcPort = port;
      const http = await startHttpServer(config.host, config.httpPort, metrics, () => ready).catch((err) => {
        grpc.forceShutdown();
        throw portError('HTTP', config.httpPort, err);
      });
      const httpPort = (http.address() as { port: number }).port;
      const s3 = await startS3Gateway(config.host, config.s3Port, {
        pfs,
        tree,
        content,
        uploads: new MultipartStore(meta),
        credentials: {
          keys: new Map(config.s3Key ? [[config.s3Key.accessKeyId, config.s3Key.secretAccessKey]] : []),
          anonymous: config.s3Anonymous,
        },
        clock,
        log,
      }).catch((err) => {
        grpc.forceShutdown();
        http.close();
        throw portError('S3', config.s3Port, err);
      });
      const s3Port = (s3.address() as { port: number }).port;
      if (!config.s3Key && !config.s3Anonymous) log.log('warn', 's3_no_keys', { message: 'the S3 gateway refuses every request: set TUSK_S3_ACCESS_KEY_ID and TUSK_S3_SECRET_ACCESS_KEY (or TUSK_S3_ANONYMOUS=true)' });
      const info: DaemonInfo = { pid: process.pid, port, httpPort, s3Port, home: config.home, storage: objects.describe() };
      await writeFile(join(config.home, 'tuskd.json'), JSON.stringify(info) + '\n');
      await writeFile(join(config.home, 'tuskd.pid'), `${process.pid}\n`);
      await pps.start();
      // After the pipeline system listens for branch moves: triggers that came due while down fire now.
      await pfs.triggers.start();
      ready = true;
      log.log('info', 'daemon_started', { ...info, version: VERSION, workerLimits: config.workerLimits, isolateNetwork: config.isolateNetwork });
      return new Daemon(info, pfs, pps, meta, content, grpc, http, s3, log);
    } catch (err) {
      await meta.close();
      throw err;
    }
  }

  async stop(): Promise<void> {
    this.pfs.triggers.stop();
    await this.pps.stop();
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
    throw err;
  }
}

async function openStore(config: DaemonConfig): Promise<ObjectStore> {
  const store = openObjectStore(config.storage);
  if (config.storage.startsWith('file:')) return store;
  return new CacheStore(store, join(config.home, 'cache'), config.cacheBytes);
}

function portError(what: string, port: number, err: unknown): TuskError {
  return new TuskError('unavailable', 'PortInUse', `cannot listen for ${what} on port ${port}: ${(err as Error).message}`);
}
