// Cron inputs: each running pipeline's cron inputs tick on schedule. A tick is
// a user commit to the input's repo (`<pipeline>_<name>` unless named) holding
// a file named after the tick's time, so the pipeline runs on it like on any
// commit; `overwrite: true` replaces the previous tick's file, otherwise files
// accumulate. `tick()` also serves on-demand ticks (`tusk run cron`).
import { InvalidArgument } from '../errors/index.js';
import { nextTick } from './cron.js';
import { findBranchCommit } from './find-commit.js';
import type { PpsContext } from './pps-context.js';
import type { CronInput, Input } from './spec.js';

const MAX_TIMER = 2 ** 31 - 1;

export class Crons {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly ctx: PpsContext) {}

  /** Re-schedules every cron input of every running pipeline (after start, create, update, stop, delete). */
  async sync(): Promise<void> {
    this.clear();
    for (const p of await this.ctx.store.listPipelines()) {
      if (p.state !== 'running') continue;
      for (const input of cronInputs(p.spec.input)) this.schedule(p.name, input);
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

  private async commitTick(input: CronInput, at: Date): Promise<string> {
    const upload = await this.ctx.pfs.upload(`${input.repo}@${input.branch}`, `cron tick ${at.toISOString()}`);
    if (input.overwrite) {
      const head = await findBranchCommit(this.ctx.pfs.commits, input.repo, input.branch, 'read', this.ctx.deps.log);
      if (head) for await (const e of this.ctx.deps.tree.scan(head.tree)) upload.deleteFile(e.path);
    }
    const stamp = at.toISOString();
    await upload.putFile(`/${stamp}`, (async function* () { yield Buffer.from(stamp); })());
    return (await upload.commit()).commit.id;
  }
}

function cronInputs(input: Input): CronInput[] {
  if (input.type === 'cron') return [input];
  if (input.type === 'pfs') return [];
  return (input.inputs as Input[]).flatMap(cronInputs);
}

