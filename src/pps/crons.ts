// Cron inputs: each running pipeline's cron inputs tick on schedule. A tick is
// a user commit to the input's repo (`<pipeline>_<name>` unless named) holding
// an empty file named after the tick's time in RFC 3339 (as Pachyderm names
// it), so the pipeline runs on it like on any commit; `overwrite: true`
// replaces the previous tick's file, otherwise files accumulate. With
// `cron.start` in the past, the ticks missed since then (or since the last
// tick) are committed when the schedule starts: at most MAX_CATCH_UP of them,
// in one commit (with overwrite, only the newest). `tick()` also serves
// on-demand ticks (`tusk run cron`).
import { InvalidArgument } from '../errors/index.js';
import { missedTicks, nextTick, tickName } from './cron.js';
import { findBranchCommit } from './find-commit.js';
import type { PpsContext } from './pps-context.js';
import type { CronInput, Input } from './spec.js';

const MAX_TIMER = 2 ** 31 - 1;
/** Missed ticks committed at most when a schedule starts (the newest ones). */
export const MAX_CATCH_UP = 100;

export class Crons {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly ctx: PpsContext) {}

  /** Re-schedules every cron input of every running pipeline (after start, create, update, stop, delete). */
  async sync(): Promise<void> {
    this.clear();
    for (const p of await this.ctx.store.listPipelines()) {
      if (p.state !== 'running') continue;
      for (const input of cronInputs(p.spec.input)) {
        if (input.start) await this.catchUp(p.name, input).catch((err) => this.ctx.deps.log('error', 'cron_catch_up_failed', { pipeline: p.name, input: input.name, message: (err as Error).message }));
        this.schedule(p.name, input);
      }
    }
  }

  clear(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  /** Commits one tick of `input` of `pipeline` now (all of its cron inputs when none is named). */
  async tick(pipeline: string, inputName?: string): Promise<{ repo: string; branch: string; id: string }[]> {
    const p = await this.ctx.store.getPipeline(pipeline);
    const inputs = p ? cronInputs(p.spec.input).filter((i) => !inputName || i.name === inputName) : [];
    if (inputs.length === 0) throw new InvalidArgument('NoCronInput', `pipeline "${pipeline}" has no cron input${inputName ? ` named "${inputName}"` : ''}`);
    const ticks = [];
    for (const input of inputs) ticks.push({ repo: input.repo, branch: input.branch, id: await this.commitTick(input, this.ctx.deps.clock()) });
    return ticks;
  }

  private schedule(pipeline: string, input: CronInput): void {
    const now = this.ctx.deps.clock();
    const at = nextTick(input.spec, now, input.start ? new Date(input.start) : undefined);
    const key = `${pipeline}/${input.name}`;
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.commitTick(input, at)
        .catch((err) => this.ctx.deps.log('error', 'cron_tick_failed', { pipeline, input: input.name, message: (err as Error).message }))
        .finally(() => this.stillRunning(pipeline).then((yes) => yes && this.schedule(pipeline, input)));
    }, Math.min(MAX_TIMER, Math.max(0, at.getTime() - now.getTime())));
    timer.unref();
    this.timers.set(key, timer);
  }

  private async stillRunning(pipeline: string): Promise<boolean> {
    return (await this.ctx.store.getPipeline(pipeline))?.state === 'running';
  }

  /** Commits the ticks missed since `cron.start` or since the newest tick in the repo. */
  private async catchUp(pipeline: string, input: CronInput): Promise<void> {
    const now = this.ctx.deps.clock();
    let last: Date | undefined;
    for (const path of await this.tickFiles(input)) {
      const t = new Date(path.slice(1));
      if (!Number.isNaN(t.getTime()) && (!last || t > last)) last = t;
    }
    const missed = missedTicks(input.spec, new Date(input.start!), last, now, MAX_CATCH_UP);
    if (missed.length === 0) return;
    this.ctx.deps.log('info', 'cron_catch_up', { pipeline, input: input.name, ticks: missed.length, from: tickName(missed[0]!), to: tickName(missed[missed.length - 1]!) });
    await this.commitTicks(input, input.overwrite ? missed.slice(-1) : missed);
  }

  private async tickFiles(input: CronInput): Promise<string[]> {
    const head = await findBranchCommit(this.ctx.pfs.commits, input.repo, input.branch, 'read', this.ctx.deps.log);
    const paths: string[] = [];
    if (head) for await (const e of this.ctx.deps.tree.scan(head.tree)) paths.push(e.path);
    return paths;
  }

  private commitTick(input: CronInput, at: Date): Promise<string> {
    return this.commitTicks(input, [at]);
  }

  /** One commit adding an empty file per tick (replacing the earlier ones with overwrite). */
  private async commitTicks(input: CronInput, ticks: Date[]): Promise<string> {
    const newest = tickName(ticks[ticks.length - 1]!);
    const upload = await this.ctx.pfs.upload(`${input.repo}@${input.branch}`, `cron tick ${newest}`);
    if (input.overwrite) for (const path of await this.tickFiles(input)) upload.deleteFile(path);
    for (const at of ticks) await upload.putFile(`/${tickName(at)}`, new Uint8Array(0));
    return (await upload.commit()).commit.id;
  }
}

function cronInputs(input: Input): CronInput[] {
  if (input.type === 'cron') return [input];
  if (input.type === 'pfs') return [];
  return (input.inputs as Input[]).flatMap(cronInputs);
}

