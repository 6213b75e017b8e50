// A long-lived pipeline worker: registers with the coordinator, connects to
// its sidecar, starts its sandbox once, then pulls datums and runs them — one
// process per datum, or one process for many with datum batching — until it is
// stopped or the daemon has been unreachable for 30 s. A new pipeline version
// (from any NextTasks answer) takes effect from the next datum on.
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isTuskError, type LogLine, type Registration, type Task, type TaskResult, type WorkerSpec } from '../src/client/index.js';
import { DaemonWatch, DAEMON_GRACE_MS, RunningMark, SidecarClient, type Logger } from '../src/worker-protocol/index.js';
import { BatchSession } from './batch-session.js';
import { WORKER_SOCKET_NAME } from './batch-socket.js';
import { executeDatum, type ExecContext } from './datum-exec.js';
import { workerEnv } from './env.js';
import { InFlight } from './inflight.js';
import { Reporter } from './reporter.js';
import { Sandbox, type SandboxMode, type SandboxOptions } from './sandbox.js';
import { Spout } from './spout.js';
import { StartTeller } from './start-teller.js';
import { TaskSource, type TaskApi } from './task-source.js';
import { sandboxSetup, setupKey, type SandboxSetup } from './sandbox-setup.js';

export interface WorkerApi extends TaskApi {
  register(pipeline: string, worker: string): Promise<Registration>;
  started(pipeline: string, worker: string, job: string, datum: string): Promise<void>;
  /** Started for a group of datums the worker runs next (each Task had startAhead); without it, each is told alone. */
  startedAhead?(pipeline: string, worker: string, datums: readonly { job: string; datum: string }[]): Promise<void>;
  report(pipeline: string, worker: string, results: TaskResult[], logs?: LogLine[]): Promise<void>;
}

export interface WorkerConfig {
  pipeline: string;
  worker: string;
  workerDir: string;
  sidecarSocket: string;
  /** Host path of the datum area. */
  pfs: string;
  sandbox: SandboxMode;
  /** tuskd --isolate-network: every pipeline's code gets a network namespace of its own. */
  isolateNetwork?: boolean;
  /** Holds bin/tusk and dist/. */
  packageRoot: string;
  /** Working folder for code when the spec sets none. */
  cwd: string;
  processEnv: NodeJS.ProcessEnv;
  /** How long the daemon may be unreachable before the worker exits. */
  daemonGraceMs?: number;
  /** What a spout's code gets to reach the daemon (its address; the pipeline's token when access control is on). */
  spoutEnv?: Record<string, string>;
  /** TUSK_RUNNING_MARK: the file where the runtime finds the datum running when the worker is lost (running-mark.ts). */
  runningMark?: string;
}

export class Worker {
  private stopped = false;
  /** The setup the running sandbox was made for (sandbox-setup.ts key). */
  private sandboxKey: string;
  private readonly jobsSeen = new Set<string>();
  /** input.pfs.s3 / s3_out: what the sidecar serves, and the variables that tell the code where. */
  private s3Key = '';
  private s3Env: Record<string, string> = {};
  /** The spec the sandbox and the S3 endpoint were last matched to (each pipeline version is a new object). */
  private matchedSpec: WorkerSpec | undefined;
  private batch: BatchSession | undefined;
  private spout: Spout | undefined;
  private readonly uploads = new InFlight(16);
  /** Started for one process per datum, in groups where the coordinator takes them ahead. */
  private readonly starts: StartTeller;
  /** Names the datum whose code runs now, for the runtime to read if the worker is lost; unset in a pod. */
  private readonly mark: RunningMark | undefined;
  private readonly done: Promise<void>;
  private resolveDone!: () => void;
  /** Why the worker ended. */
  endReason = '';
  /** It ended because something broke (its sidecar or sandbox went away), not because it was asked to. */
  failed = false;

  private constructor(
    private readonly cfg: WorkerConfig,
    private readonly ctx: ExecContext,
    private readonly source: TaskSource,
    private readonly log: Logger,
    private readonly sandboxOptions: SandboxOptions,
    setup: SandboxSetup,
    private readonly api: WorkerApi,
  ) {
    this.sandboxKey = setup.key;
    this.mark = cfg.runningMark ? RunningMark.open(cfg.runningMark) : undefined;
    this.starts = new StartTeller(ctx, (max) => source.peek(max), this.mark);
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  /** Registers, connects to the sidecar and starts the sandbox. */
  static async start(cfg: WorkerConfig, api: WorkerApi, log: Logger): Promise<Worker> {
    const watch = new DaemonWatch(cfg.daemonGraceMs);
    const registered = await register(api, cfg, watch, log);
    const spec = registered.spec;
    const sidecar = await SidecarClient.connect(cfg.sidecarSocket);
    let worker: Worker | undefined;
    sidecar.onLost = (err) => void worker?.stop(err.message, true);
    await sidecar.call('reset', {});
    const socketDir = join(cfg.workerDir, 'sock');
    await mkdir(socketDir, { recursive: true });
    const sandboxOptions: SandboxOptions = { mode: cfg.sandbox, pfs: cfg.pfs, socketDir, packageRoot: cfg.packageRoot, log, onDeath: (why) => void worker?.stop(why, true) };
    const setup = await setupFor(cfg, spec);
    const sandbox = await Sandbox.start({ ...sandboxOptions, isolateNetwork: isolatesNetwork(cfg, spec), binds: setup.binds, switchUser: setup.switchUser });
    const reporter = new Reporter((results) => api.report(cfg.pipeline, cfg.worker, results), log);
    const ctx: ExecContext = {
      pipeline: cfg.pipeline,
      spec,
      sidecar,
      sandbox,
      baseEnv: {},
      cwd: cfg.cwd,
      hostOut: join(cfg.pfs, 'out'),
      ...(setup.runAs ? { runAs: setup.runAs } : {}),
      notes: setup.notes,
      reporter,
      log,
      firstOfJob: (job) => worker!.firstOfJob(job),
      started: (task) =>
        api.started(cfg.pipeline, cfg.worker, task.job, task.datum).catch((err: Error) => log.log('warn', 'started_not_told', { job: task.job, datum: task.datum, message: err.message })),
      ...(api.startedAhead
        ? {
            startedAhead: (tasks: readonly Task[]) =>
              api.startedAhead!(cfg.pipeline, cfg.worker, tasks).catch((err: Error) => log.log('warn', 'started_not_told', { job: tasks[0]?.job, datums: tasks.length, message: err.message })),
          }
        : {}),
    };
    const source = new TaskSource({
      api,
      sidecar,
      pipeline: cfg.pipeline,
      worker: cfg.worker,
      reporter,
      watch,
      log,
      version: registered.pipelineVersion,
      onSpec: (version, next) => {
        worker!.setSpec(next);
        log.log('info', 'pipeline_updated', { version });
      },
      onGone: () => void worker?.stop(`the daemon has been unreachable for ${(cfg.daemonGraceMs ?? DAEMON_GRACE_MS) / 1000}s`),
      batch: 8,
      maxBatch: 128,
      prefetch: 4,
    });
    worker = new Worker(cfg, ctx, source, log, sandboxOptions, setup, api);
    worker.setSpec(spec);
    log.log('info', 'worker_started', { version: registered.pipelineVersion, sandboxed: sandbox.sandboxed, ...(sandbox.fallbackReason ? { fallback: sandbox.fallbackReason } : {}) });
    return worker;
  }

  /** Runs datums until stopped. */
  async run(): Promise<void> {
    void this.loop().catch((err) => this.stop(`worker failed: ${(err as Error).message}`, true));
    await this.done;
  }

  async stop(reason: string, failed = false): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.endReason = reason;
    this.failed = failed;
    this.log.log('info', 'worker_stopping', { reason });
    this.source.stop();
    this.batch?.stop();
    this.spout?.stop();
    this.ctx.sandbox.close();
    await Promise.race([this.uploads.drain().then(() => this.ctx.reporter.flush()), new Promise((r) => setTimeout(r, 3_000))]);
    this.ctx.reporter.stop();
    this.ctx.sidecar.close();
    this.resolveDone();
  }

  private setSpec(spec: WorkerSpec): void {
    this.ctx.spec = spec;
    const socket = spec.datumBatching ? join(this.ctx.sandbox.socketDir, WORKER_SOCKET_NAME) : undefined;
    this.ctx.baseEnv = workerEnv(this.cfg.processEnv, {
      pipeline: this.cfg.pipeline,
      pfs: this.ctx.sandbox.pfs,
      ...(this.ctx.sandbox.sandboxed ? { home: '/tmp' } : {}),
      binDir: join(this.cfg.packageRoot, 'bin'),
      nodeDir: dirname(process.execPath),
      transformEnv: spec.env,
      ...(socket ? { workerSocket: socket } : {}),
    });
    // The sidecar's S3 endpoint (input.pfs.s3, s3_out), as Pachyderm's S3 sidecar gives it.
    Object.assign(this.ctx.baseEnv, this.s3Env);
    if (this.s3Env.S3_ENDPOINT && !spec.env.AWS_DEFAULT_REGION) this.ctx.baseEnv.AWS_DEFAULT_REGION = 'us-east-1';
    // transform.secrets with env_var: set last, so nothing else overrides them (never logged).
    for (const e of spec.secretEnv) this.ctx.baseEnv[e.name] = e.value;
  }

  /** The sandbox and the S3 endpoint made to fit the current spec: checked once per spec, not per datum. */
  private async matchSpec(): Promise<void> {
    const spec = this.ctx.spec;
    if (spec === this.matchedSpec) return;
    await this.matchSandbox();
    await this.matchS3();
    if (!this.stopped) this.matchedSpec = spec;
  }

  /** A spec with S3 inputs or s3_out has the sidecar serve them before its code runs. */
  private async matchS3(): Promise<void> {
    const spec = this.ctx.spec;
    const key = JSON.stringify({ inputs: spec.s3Inputs, out: spec.s3Out });
    if (key === this.s3Key || this.stopped) return;
    this.s3Env = {};
    if (spec.s3Inputs.length > 0 || spec.s3Out) {
      const e = await this.ctx.sidecar.call('serveS3', { inputs: [...spec.s3Inputs], out: spec.s3Out });
      this.s3Env = { S3_ENDPOINT: e.endpoint, AWS_ACCESS_KEY_ID: e.accessKeyId, AWS_SECRET_ACCESS_KEY: e.secretAccessKey };
    }
    this.s3Key = key;
    this.setSpec(spec);
  }

  private firstOfJob(job: string): boolean {
    if (this.jobsSeen.has(job)) return false;
    if (this.jobsSeen.size > 1000) this.jobsSeen.clear();
    this.jobsSeen.add(job);
    return true;
  }

  /** A new pipeline version that changes sandbox_spec.network, transform.user or mounted secrets gets a sandbox to match before its code runs. */
  private async matchSandbox(): Promise<void> {
    if (this.stopped) return;
    const want = sandboxKey(this.cfg, this.ctx.spec);
    if (want === this.sandboxKey) return;
    this.ctx.sandbox.close();
    const setup = await setupFor(this.cfg, this.ctx.spec);
    this.ctx.sandbox = await Sandbox.start({ ...this.sandboxOptions, isolateNetwork: isolatesNetwork(this.cfg, this.ctx.spec), binds: setup.binds, switchUser: setup.switchUser });
    this.sandboxKey = setup.key;
    if (setup.runAs) this.ctx.runAs = setup.runAs;
    else delete this.ctx.runAs;
    this.ctx.notes = setup.notes;
    this.setSpec(this.ctx.spec);
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      await this.matchSpec();
      if (this.ctx.spec.spout) {
        // No datums: one long-running process (spout.ts), until the worker stops.
        this.spout = new Spout(this.ctx, {
          pfsHost: this.cfg.pfs,
          env: this.cfg.spoutEnv ?? {},
          sendLogs: (lines) => this.api.report(this.cfg.pipeline, this.cfg.worker, [], lines),
          log: this.log,
        });
        await this.spout.run();
        break;
      }
      if (this.ctx.spec.datumBatching) {
        // The batch session tells its own starts and marks none: an older mark must not name one of its datums.
        this.mark?.clear();
        this.batch = new BatchSession(this.ctx, this.source, this.uploads, join(this.cfg.workerDir, 'sock', WORKER_SOCKET_NAME));
        await this.batch.run();
        this.batch = undefined;
        continue;
      }
      const p = await this.source.take();
      if (!p) break;
      if (this.ctx.spec.datumBatching) {
        this.source.unshift(p);
        continue;
      }
      await this.matchSpec();
      await this.uploads.room();
      const { finished } = await executeDatum(this.ctx, p, this.starts);
      this.uploads.add(finished);
    }
  }
}

function setupFor(cfg: WorkerConfig, spec: WorkerSpec): Promise<SandboxSetup> {
  return sandboxSetup(spec, join(cfg.workerDir, 'secrets'), { uid: process.getuid?.(), sandboxed: cfg.sandbox !== 'off', isolateNetwork: isolatesNetwork(cfg, spec) });
}

function sandboxKey(cfg: WorkerConfig, spec: WorkerSpec): string {
  return setupKey(spec, isolatesNetwork(cfg, spec), process.getuid?.());
}

function isolatesNetwork(cfg: WorkerConfig, spec: WorkerSpec): boolean {
  return Boolean(cfg.isolateNetwork) || spec.isolateNetwork;
}

async function register(api: WorkerApi, cfg: WorkerConfig, watch: DaemonWatch, log: Logger): Promise<Registration> {
  for (;;) {
    try {
      const res = await api.register(cfg.pipeline, cfg.worker);
      watch.reached();
      return res;
    } catch (err) {
      if (!(isTuskError(err) && err.kind === 'unavailable')) throw err;
      if (watch.unreachable()) throw err;
      log.log('warn', 'register_retry', { message: err.message });
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
}
