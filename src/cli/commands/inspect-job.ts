// tusk inspect job PIPELINE@JOB_ID
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { LocalPpsReads } from '../local-reads.js';
import { jobFields, jobJson } from '../pps-views.js';
import { parseJobRef } from '../refs.js';

export const inspectJob: CommandDef = {
  clients: 'on-demand', // a daemon on this machine answers over its HTTP API (local-reads.ts)
  words: ['inspect', 'job'],
  summary: 'Show a job: state (and why it failed), datum counts, times, input and output commits.',
  examples: ['tusk inspect job edges@0f1e2d3c4b5a69788796a5b4c3d2e1f0'],
  define(cmd, ctx) {
    cmd
      .argument('<pipeline@job>', 'a pipeline and a job ID (the global ID of the commit that started it)')
      .addOption(outputOption())
      .action(async (ref: string, opts) => {
        const { pipeline, id } = parseJobRef(ref);
        const job = await new LocalPpsReads(ctx).inspectJob(pipeline, id);
        emit(ctx, formatOf(opts), () => jobJson(job), () => jobFields(job, ctx.now()));
      });
  },
};
