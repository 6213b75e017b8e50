// What users do to a job once it exists: restart one of its datums, stop it,
// delete it. A running job takes a restarted datum back into its queue; on a
// job that ended in failure, `restart datum` starts a new job on the same
// branch, which reruns the datums without a result (the failed ones) and
// reuses every other result by its datum ID.
import { FailedPrecondition } from '../errors/index.js';
import type { Jobs } from './jobs.js';
import type { PpsContext } from './pps-context.js';
import type { JobDatumRecord, JobRecord } from './records.js';

const ENDED = new Set(['success', 'failure', 'killed']);

export class JobControl {
  constructor(
    private readonly ctx: PpsContext,
    private readonly jobs: Jobs,
    private readonly datum: (pipeline: string, job: string, datum: string) => Promise<JobDatumRecord>,
  ) {}

  /**
   * Returns the job that runs the datum again: the same job while it runs, else a new one.
   * @throws DatumNotFound, JobNotFound; FailedPrecondition when there is nothing to restart.
   */
  async restartDatum(pipeline: string, id: string, datumId: string): Promise<JobRecord> {
    const job = await this.jobs.get(pipeline, id);
    const datum = await this.datum(pipeline, id, datumId);
    if (!ENDED.has(job.state)) {
      const running = await this.jobs.restartDatum(pipeline, id, datumId);
      if (running) return running;
      throw new FailedPrecondition('JobNotRunning', `job ${pipeline}@${id} is ${job.state}, not running datums: its datums run when it starts`, { pipeline, job: id });
    }
    if (job.state === 'success' || !(datum.state === 'failed' || datum.state === 'queued' || datum.state === 'running')) {
      throw new FailedPrecondition('DatumDone', `datum ${datumId} of job ${pipeline}@${id} is ${datum.state} in a job that ended ${job.state}: there is nothing to restart`, { pipeline, job: id, datum: datumId });
    }
    const pipelineRecord = await this.ctx.store.getPipeline(pipeline);
    const onBranch = pipelineRecord && job.branch !== pipelineRecord.spec.outputBranch ? job.branch : undefined;
    const rerun = await this.jobs.runNow(pipeline, onBranch);
    if (!rerun) throw new FailedPrecondition('PipelineGone', `pipeline ${pipeline} no longer exists`, { pipeline });
    this.ctx.deps.log('info', 'datum_restarted', { pipeline, job: id, datum: datumId, rerun: rerun.id });
    return rerun;
  }

  /** `stop job`: the job ends `killed`. */
  stop(pipeline: string, id: string): Promise<JobRecord> {
    return this.jobs.kill(pipeline, id, 'stopped by `tusk stop job`');
  }

  /** `delete job`: stops it if it runs, then forgets it and its datums (the output commit stays; reusable results stay). */
  async delete(pipeline: string, id: string): Promise<void> {
    let job = await this.jobs.get(pipeline, id);
    if (!ENDED.has(job.state)) job = await this.jobs.kill(pipeline, id, 'deleted by `tusk delete job`');
    await this.ctx.store.apply(await this.ctx.store.deleteJobOps(job));
    this.ctx.deps.log('info', 'job_deleted', { pipeline, job: id });
  }
}
