// A spout's one long-running process: the worker runs the transform once in
// its sandbox (with /pfs/out, empty, for code that expects it) and, when the
// code exits, for whatever reason, runs it again after a back-off (0.5 s,
// doubling to 30 s; reset once a run lasted a minute). The code brings data
// in by committing to its output repo with `pachctl put file` (bin/sandbox/
// pachctl maps it to tusk, with the daemon's address and the pipeline's
// token in the spout's environment only). Its output lines are sent to the
// coordinator as pipeline logs of no job (`tusk logs -p NAME`), in batches.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { LogLine } from '../src/client/index.js';
import type { Logger } from '../src/worker-protocol/index.js';
import { stdinText, type ExecContext } from './datum-exec.js';
import type { Env } from './env.js';
import type { RunHandle } from './sandbox.js';

const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 30_000;
const HEALTHY_RUN_MS = 60_000;
const FLUSH_MS = 500;

export interface SpoutOptions {
  /** Host path of the datum area (its out/ is created for the code). */
  pfsHost: string;
  /** What the spout's code gets beyond the worker's environment: the daemon's address, the pipeline's token. */
  env: Env;
  /** Sends lines of no datum to the coordinator. */
  sendLogs(lines: LogLine[]): Promise<void>;
  log: Logger;
}

export class Spout {
  private stopped = false;
  private current: RunHandle | undefined;
  private wake: (() => void) | undefined;
  private pending: LogLine[] = [];
  private readonly partial = { stdout: '', stderr: '' };
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(private readonly ctx: ExecContext, private readonly o: SpoutOptions) {}

  /** Runs the code until stop(), restarting it when it exits. */
  async run(): Promise<void> {
    let delay = FIRST_DELAY_MS;
    let runs = 0;
    while (!this.stopped) {
      await mkdir(join(this.o.pfsHost, 'out'), { recursive: true });
      const started = Date.now();
      runs++;
      this.system(runs === 1 ? 'spout started' : `spout restarted (run ${runs})`);
      this.current = this.ctx.sandbox.run(
        { cmd: this.ctx.spec.cmd, env: this.env(), stdin: stdinText(this.ctx.spec.stdin), cwd: this.ctx.spec.workingDir || this.ctx.cwd, cwdRequired: !!this.ctx.spec.workingDir, timeoutMs: 0 },
        (stream, data) => this.output(stream, data),
      );
      const result = await this.current.done;
      this.current = undefined;
      this.endLines();
      if (this.stopped) break;
      if (Date.now() - started >= HEALTHY_RUN_MS) delay = FIRST_DELAY_MS;
      const how = result.error ?? (result.signal ? `killed by ${result.signal}` : `exit code ${result.code}`);
      this.system(`spout exited (${how}); restarting in ${delay / 1000}s`);
      this.o.log.log('warn', 'spout_exited', { reason: how, restartInMs: delay });
      await this.sleep(delay);
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    }
    await this.flush();
  }

  stop(): void {
    this.stopped = true;
    this.current?.kill();
    this.wake?.();
  }

  private env(): Env {
    const env: Env = { ...this.ctx.baseEnv, ...this.o.env, TUSK_SPOUT: 'true', PACH_SPOUT: 'true' };
    if (this.ctx.spec.spoutOverwrite) Object.assign(env, { TUSK_SPOUT_OVERWRITE: 'true', PACH_SPOUT_OVERWRITE: 'true' });
    return env;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private output(stream: 'stdout' | 'stderr', data: string): void {
    const lines = (this.partial[stream] + data).split('\n');
    this.partial[stream] = lines.pop()!;
    for (const line of lines) this.line(stream, line);
  }

  private endLines(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream]) this.line(stream, this.partial[stream]);
      this.partial[stream] = '';
    }
  }

  private system(message: string): void {
    this.line('system', message);
  }

  private line(stream: LogLine['stream'], message: string): void {
    this.pending.push({ time: new Date().toISOString(), pipeline: this.ctx.pipeline, job: '', datum: '', stream, message: message.slice(0, 4096) });
    if (this.pending.length >= 200) void this.flush();
    else this.flushTimer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  private async flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const lines = this.pending.splice(0);
    if (lines.length === 0) return;
    await this.o.sendLogs(lines).catch((err: Error) => this.o.log.log('warn', 'spout_logs_not_sent', { lines: lines.length, message: err.message }));
  }
}
