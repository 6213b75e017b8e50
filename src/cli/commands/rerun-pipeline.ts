// tusk rerun pipeline NAME [--reprocess]: pachctl's rerun, a new version of the
// pipeline with the spec it has (as `update pipeline -f` of that spec), so its
// next job runs at once on the current heads of its inputs; with --reprocess
// every datum runs again instead of reusing earlier results.
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { pipelineJson } from '../pps-views.js';
import type { PipelineSpec } from '../../pps/index.js';

export const rerunPipeline: CommandDef = {
  words: ['rerun', 'pipeline'],
  summary: 'Make a new version of a pipeline with the spec it has, so a job runs now; --reprocess runs every datum again.',
  examples: ['tusk rerun pipeline edges', 'tusk rerun pipeline edges --reprocess'],
  define(cmd, ctx) {
    cmd
      .argument('<name>', 'pipeline name')
      .option('--reprocess', 'run every datum again, ignoring earlier results')
      .addOption(outputOption())
      .action(async (name: string, opts) => {
        const pps = ctx.pps();
        const current = await pps.inspectPipeline(name);
        const { specDocument } = await import('../../pps/spec-document.js'); // loaded only by this command
        const text = JSON.stringify(specDocument(JSON.parse(current.specJson) as PipelineSpec));
        const pipeline = await pps.createPipeline(text, { update: true, reprocess: !!opts.reprocess, branch: '', dryRun: false });
        emit(ctx, formatOf(opts), () => pipelineJson(pipeline), () => `pipeline ${pipeline.name}: version ${current.version} → ${pipeline.version}${opts.reprocess ? ' (every datum runs again)' : ''}`);
      });
  },
};
