// tusk list pipeline [NAME]
import type { Job } from '../../client/index.js';
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { pipelineJson, pipelineTable } from '../pps-views.js';

export const listPipeline: CommandDef = {
  words: ['list', 'pipeline'],
  summary: 'List pipelines with their input, state and last job (NAME: just that one).',
  examples: ['tusk list pipeline', 'tusk list pipeline edges -o json'],
  define(cmd, ctx) {
    cmd
      .argument('[name]', 'show only this pipeline')
      .addOption(outputOption())
      .action(async (name: string | undefined, opts) => {
        const format = formatOf(opts);
        const pipelines = name ? [await ctx.pps().inspectPipeline(name)] : await ctx.pps().listPipelines();
        const lastJobs = new Map<string, Job>();
        if (format === 'table' && pipelines.length > 0) {
          // Jobs come newest first: the first one seen per pipeline is its last.
          for (const job of await ctx.pps().listJobs(name ?? '')) if (!lastJobs.has(job.pipeline)) lastJobs.set(job.pipeline, job);
        }
        emit(ctx, format, () => pipelines.map(pipelineJson), () => pipelineTable(pipelines, lastJobs, ctx.now()));
      });
  },
};
