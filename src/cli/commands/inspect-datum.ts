// tusk inspect datum PIPELINE@JOB_ID DATUM_ID
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { datumFields, datumJson } from '../pps-views.js';
import { parseJobRef } from '../refs.js';

export const inspectDatum: CommandDef = {
  words: ['inspect', 'datum'],
  summary: 'Show one datum of a job: state (and why it failed), tries, time and each input file.',
  examples: ['tusk inspect datum edges@0f1e2d3c4b5a69788796a5b4c3d2e1f0 5c1a...'],
  define(cmd, ctx) {
    cmd
      .argument('<pipeline@job>', 'a pipeline and a job ID')
      .argument('<datum>', 'datum ID (from `tusk list datum`)')
      .addOption(outputOption())
      .action(async (ref: string, datumId: string, opts) => {
        const { pipeline, id } = parseJobRef(ref);
        const datum = await ctx.pps().inspectDatum(pipeline, id, datumId);
        emit(ctx, formatOf(opts), () => datumJson(datum), () => datumFields(datum));
      });
  },
};
