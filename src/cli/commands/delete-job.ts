// tusk delete job PIPELINE@JOB_ID
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { parseJobRef } from '../refs.js';

export const deleteJob: CommandDef = {
  words: ['delete', 'job'],
  summary: 'Delete a job and its datum records (stopping it first if it runs). Its output commit and the datum results later jobs reuse stay.',
  examples: ['tusk delete job edges@0f1e2d3c4b5a69788796a5b4c3d2e1f0', 'tusk delete job edges@0f1e2d3c4b5a69788796a5b4c3d2e1f0 -o json'],
  define(cmd, ctx) {
    cmd
      .argument('<pipeline@job>', 'a pipeline and a job ID')
      .addOption(outputOption())
      .action(async (ref: string, opts) => {
        const { pipeline, id } = parseJobRef(ref);
        await ctx.pps().deleteJob(pipeline, id);
        emit(ctx, formatOf(opts), () => ({ pipeline, id, deleted: true }), () => '');
      });
  },
};
