// Output repos are written by their pipeline only, as in Pachyderm: a user's
// put file, delete file, copy file, S3 write or start commit on a pipeline's
// output repo is refused, unless forced (a repair by hand). The pipeline's own
// output commits never pass through here (they are started with origin
// `auto` and finished with their merged tree).
import { FailedPrecondition } from '../errors/index.js';
import type { PfsContext } from './context.js';

export class OutputBranch extends FailedPrecondition {
  constructor(readonly pipeline: string, readonly repo: string, readonly branch: string) {
    super('OutputBranch', `cannot write to an output branch of pipeline ${pipeline} (${repo}@${branch}): only the pipeline writes there; add --force to repair it by hand`, { pipeline, repo, branch });
  }
}

/** @throws OutputBranch when `repo` is a pipeline's output repo and `force` is not set. */
export async function checkWritable(ctx: PfsContext, repo: string, branch: string, force = false): Promise<void> {
  if (force || !ctx.deps.usage?.outputPipeline) return;
  const pipeline = await ctx.deps.usage.outputPipeline(repo);
  if (pipeline) throw new OutputBranch(pipeline, repo, branch);
}
