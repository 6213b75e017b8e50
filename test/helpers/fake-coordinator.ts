// fakeCoordinator: a FAKE tuskd for worker tests — a real gRPC server on a free
// loopback port that implements the WorkerApi (register, long-polled
// NextTasks, Report, PutDatumOutput) over an in-memory task queue, and PfsApi's
// GetFile over an in-memory map of files. It is not the daemon's coordinator:
// it plans nothing, it serves the tasks a test hands it and records what the
// worker sends back, so the real worker and sidecar processes can be checked
// against the WorkerApi contract without the rest of Tusk.
import { Server, ServerCredentials, status, type ServerReadableStream, type sendUnaryData } from '@grpc/grpc-js';
import { PfsApiService } from '../../src/gen/tusk/pfs.js';
import { WorkerApiService, type DatumOutputRequest, type DatumOutputResponse, type Task, type TaskResult, type WorkerSpec } from '../../src/gen/tusk/pps.js';
import { normalizePipelineSpec, type PipelineSpec } from '../../src/pps/index.js';
import { workerSpecMsg } from '../../src/server/convert-pps.js';

export interface StoredOutput {
  target: string;
  files: Map<string, Buffer>;
  /** Sent inline with the result rather than uploaded with PutDatumOutput. */
  inline: boolean;
}

export class FakeCoordinator {
  /** Files GetFile serves, by `repo@commit:/path`. */
  readonly files = new Map<string, Buffer>();
  readonly results: TaskResult[] = [];
  readonly outputs = new Map<string, StoredOutput>();
  readonly registrations: { pipeline: string; worker: string }[] = [];
  reports = 0;
  /** How many results each Report call carried, in order. */
  readonly reportSizes: number[] = [];
  /** `job/datum` of every datum told started, in order (those of a group started ahead too). */
  readonly started: string[] = [];
  /** The groups of datums told started ahead (StartedRequest.ahead), in order. */
  readonly startedAhead: string[][] = [];
  /** Like tuskd, send the bytes of files up to 64 KiB inline in NextTasks answers; false: the worker must GetFile every file. */
  inline = true;
  /** GetFile calls served. */
  getFiles = 0;
  private queue: Task[] = [];
  private version = 1;
  private spec: WorkerSpec;
  private pollers: (() => void)[] = [];
  private resultWaiters: (() => void)[] = [];
  private startedWaiters: (() => void)[] = [];
  /** While set, Report calls are answered only by releaseReports(). */
  private heldReports: (() => void)[] | undefined;
  private outputs_ = 0;

  private constructor(
    private readonly server: Server,
    readonly address: string,
    spec: PipelineSpec,
  ) {
    this.spec = workerSpecMsg(spec);
  }

  static async start(spec: PipelineSpec): Promise<FakeCoordinator> {
    const server = new Server();
    let fake!: FakeCoordinator;
    server.addService(WorkerApiService, {
      register: (call: { request: { pipeline: string; worker: string } }, cb: sendUnaryData<unknown>) => {
        fake.registrations.push(call.request);
        cb(null, { pipelineVersion: fake.version, spec: fake.spec });
      },
      nextTasks: (call: { request: { max: number; waitMs: number; knownVersion: number } }, cb: sendUnaryData<unknown>) =>
        void fake.nextTasks(call.request.max, call.request.waitMs, call.request.knownVersion).then((r) => cb(null, r)),
      report: (call: { request: { pipeline: string; results: TaskResult[] } }, cb: sendUnaryData<unknown>) => {
        fake.reports++;
        fake.reportSizes.push(call.request.results.length);
        const answer = () => {
          fake.results.push(...call.request.results.map((r) => fake.storeInline(call.request.pipeline, r)));
          for (const w of fake.resultWaiters.splice(0)) w();
          cb(null, {});
        };
        if (fake.heldReports) fake.heldReports.push(answer);
        else answer();
      },
      started: (call: { request: { job: string; datum: string; ahead: { job: string; datum: string }[] } }, cb: sendUnaryData<unknown>) => {
        const ahead = call.request.ahead.map((d) => `${d.job}/${d.datum}`);
        if (ahead.length > 0) fake.startedAhead.push(ahead);
        fake.started.push(...(ahead.length > 0 ? ahead : [`${call.request.job}/${call.request.datum}`]));
        for (const w of fake.startedWaiters.splice(0)) w();
        cb(null, {});
      },
      putDatumOutput: (call: ServerReadableStream<DatumOutputRequest, DatumOutputResponse>, cb: sendUnaryData<DatumOutputResponse>) => fake.putDatumOutput(call, cb),
    });
    server.addService(PfsApiService, {
      getFile: (call: { request: { file: string }; write(m: unknown): boolean; end(): void; destroy(e: unknown): void }) => {
        fake.getFiles++;
        const data = fake.files.get(call.request.file);
        if (!data) {
          call.destroy({ code: status.NOT_FOUND, details: `no file ${call.request.file}` });
          return;
        }
        for (let i = 0; i < data.length || i === 0; i += 64 * 1024) {
          call.write({ data: data.subarray(i, i + 64 * 1024) });
          if (data.length === 0) break;
        }
        call.end();
      },
    } as never);
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
    fake = new FakeCoordinator(server, `127.0.0.1:${port}`, spec);
    return fake;
  }

  addTasks(tasks: Task[]): void {
    this.queue.push(...tasks);
    for (const p of this.pollers.splice(0)) p();
  }

  /** A new pipeline version, handed to the worker with its next NextTasks answer. */
  updateSpec(spec: PipelineSpec): void {
    this.version++;
    this.spec = workerSpecMsg(spec);
  }

  /** Resolves once `n` results arrived (rejects after `timeoutMs`). */
  async waitForResults(n: number, timeoutMs = 30_000): Promise<TaskResult[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.results.length < n) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`fakeCoordinator: ${this.results.length} of ${n} results after ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.resultWaiters.push(() => (clearTimeout(t), resolve()));
      });
    }
    return this.results.slice(0, n);
  }

  /** Report calls wait unanswered (as if the daemon were slow) until releaseReports(). */
  holdReports(): void {
    this.heldReports ??= [];
  }

  releaseReports(): void {
    const held = this.heldReports ?? [];
    this.heldReports = undefined;
    for (const answer of held) answer();
  }

  /** Resolves once `n` Started calls arrived (rejects after `timeoutMs`). */
  async waitForStarted(n: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.started.length < n) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`fakeCoordinator: ${this.started.length} of ${n} datums started after ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.startedWaiters.push(() => (clearTimeout(t), resolve()));
      });
    }
  }

  result(datum: string): TaskResult | undefined {
    return this.results.find((r) => r.datum === datum);
  }

  /** The files of a result's output, as text. */
  outputText(datum: string): Record<string, string> {
    const r = this.result(datum);
    const out = r && this.outputs.get(r.output);
    if (!out) return {};
    return Object.fromEntries([...out.files].map(([p, b]) => [p, b.toString()]));
  }

  async stop(): Promise<void> {
    this.releaseReports();
    for (const p of this.pollers.splice(0)) p();
    await new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
    this.server.forceShutdown();
  }

  private async nextTasks(max: number, waitMs: number, knownVersion: number): Promise<{ tasks: Task[]; pipelineVersion: number; spec: WorkerSpec | undefined }> {
    if (this.queue.length === 0 && waitMs > 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(waitMs, 2_000));
        this.pollers.push(() => (clearTimeout(t), resolve()));
      });
    }
    const tasks = this.queue.splice(0, Math.max(1, max)).map((t) => (this.inline ? this.withData(t) : t));
    return { tasks, pipelineVersion: this.version, spec: knownVersion === this.version ? undefined : this.spec };
  }

  /** Like tuskd, a result's inline output is stored as an output of its own. */
  private storeInline(pipeline: string, r: TaskResult): TaskResult {
    if (!r.inlineOutput) return r;
    const id = `out${++this.outputs_}`;
    this.outputs.set(id, { target: `${pipeline}/${r.job}/${r.datum}`, files: new Map(r.outputFiles.map((f) => [f.path, Buffer.from(f.data)])), inline: true });
    return { ...r, output: id };
  }

  private withData(t: Task): Task {
    return {
      ...t,
      inputs: t.inputs.map((i) => ({
        ...i,
        files: i.files.map((f) => {
          const data = i.emptyFiles ? undefined : this.files.get(`${i.repo}@${i.commit}:${f.path}`);
          return data && data.length <= 64 * 1024 ? { ...f, data, inline: true } : f;
        }),
      })),
    };
  }

  private putDatumOutput(call: ServerReadableStream<DatumOutputRequest, DatumOutputResponse>, cb: sendUnaryData<DatumOutputResponse>): void {
    let target = '';
    let current: string | undefined;
    const files = new Map<string, Buffer[]>();
    call.on('data', (m: DatumOutputRequest) => {
      if (m.open) target = `${m.open.pipeline}/${m.open.job}/${m.open.datum}`;
      else if (m.putFile) {
        current = m.putFile.path;
        files.set(current, []);
      } else if (m.data && current !== undefined) files.get(current)!.push(Buffer.from(m.data));
      else if (m.endFile) current = undefined;
    });
    call.on('end', () => {
      const id = `out${++this.outputs_}`;
      const stored = new Map([...files].map(([p, parts]) => [p, Buffer.concat(parts)]));
      this.outputs.set(id, { target, files: stored, inline: false });
      cb(null, { output: id, files: stored.size, bytes: [...stored.values()].reduce((n, b) => n + b.length, 0) });
    });
    call.on('error', () => {});
  }
}

/** A spec whose transform sources the datum's input file as a shell script (`sh` with stdin `. "$in"`). */
export function scriptSpec(extra: Record<string, unknown> = {}, transform: Record<string, unknown> = {}) {
  return normalizePipelineSpec({
    pipeline: { name: 'p' },
    input: { pfs: { repo: 'in', glob: '/*' } },
    transform: { cmd: ['sh'], stdin: ['. "$in"'], env: { GREETING: 'hello there' }, ...transform },
    ...extra,
  });
}

/** A task whose one input file (at `path` in repo `in`) holds `script`. */
export function scriptTask(fake: FakeCoordinator, datum: string, script: string, path = `/${datum}.sh`): Task {
  fake.files.set(`in@c1:${path}`, Buffer.from(script + '\n'));
  return {
    job: 'job1',
    datum,
    try: 0,
    outputCommit: 'outcommit1',
    startAhead: false,
    inputs: [{ name: 'in', repo: 'in', branch: 'master', commit: 'c1', path, files: [{ path, sizeBytes: script.length + 1, hash: 'h', data: Buffer.alloc(0), inline: false }], joinOn: '', groupBy: '', emptyFiles: false, lazy: false }],
  };
}
