// Why a pipeline's output commit holds no new output: the job that made it
// failed or was killed (the commit then keeps the last good content, finished
// as usual). pachctl's CommitInfo carries this as `error`; `wait commit` and
// `inspect commit` show it (-o json `error`, the `Error:` line).
import { isTuskError } from '../errors/index.js';
import type { Commit } from '../client/index.js';
import type { CliContext } from './context.js';

const ENDED = new Set(['success', 'failure', 'killed']);

/** The job's failure as one line for a finished output commit whose job failed or was killed; null otherwise. */
export async function commitError(ctx: CliContext, c: Commit): Promise<string | null> {
  if (c.origin !== 'auto' || !c.finished) return null; // only a job writes an auto commit; an open one has no outcome yet
  await ctx.loadClient('all');
  let job;
  try {
    job = await ctx.pps().inspectJob(c.repo, c.id);
    // The output commit finishes a moment before its job is saved done.
    if (!ENDED.has(job.state) && job.outputCommit === c.id) job = await ctx.pps().inspectJob(c.repo, c.id, true);
  } catch (err) {
    // No job of that ID (a commit made without one), or jobs the caller may not see: the commit is shown as it is.
    if (isTuskError(err) && (err.kind === 'not_found' || err.kind === 'permission_denied')) return null;
    throw err;
  }
  if (job.outputCommit !== c.id || (job.state !== 'failure' && job.state !== 'killed')) return null;
  return `job ${job.pipeline}@${job.id} ${job.state === 'killed' ? 'was killed' : 'failed'}${job.reason ? `: ${job.reason}` : ''}`;
}
