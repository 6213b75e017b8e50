// tusk list pipeline [NAME]
import type { Job } from '../../client/index.js';
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { LocalPpsReads } from '../local-reads.js';
import { pipelineJson, pipelineTable } from '../pps-views.js';

export const listPipeline: CommandDef = {
  clients: 'on-demand', // a daemon on this machine answers over its HTTP API (local-reads.ts)
  words: ['list', 'pipeline'],
  summary: 'List pipelines with their input, state and last job (NAME: just that one).',
  examples: ['tusk list pipeline', 'tusk list pipeline edges -o json'],
  define(cmd, ctx) {
    cmd
      .argument('[name]', 'show only this pipeline')
      .addOption(outputOption())
      .action(async (name: string | undefined, opts) => {
        const pps = new LocalPpsReads(ctx);
        const format = formatOf(opts);
        const pipelines = name ? [await pps.inspectPipeline(name)] : await pps.listPipelines();
        const lastJobs = new Map<string, Job>();
        if (format === 'table' && pipelines.length > 0) {
          // Jobs come newest first: the first one seen per pipeline is its last.
          for (const job of await pps.listJobs(name ?? '')) if (!lastJobs.has(job.pipeline)) lastJobs.set(job.pipeline, job);
        }
        emit(ctx, format, () => pipelines.map(pipelineJson), () => pipelineTable(pipelines, lastJobs, ctx.now()));
      });
  },
};
