// tusk list datum PIPELINE@JOB_ID
import { collect, emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { datumJson, datumTable } from '../pps-views.js';
import { parseJobRef } from '../refs.js';

export const listDatum: CommandDef = {
  words: ['list', 'datum'],
  summary: 'List a job\'s datums: ID, state (skipped = an earlier result reused), input files, tries and time.',
  examples: ['tusk list datum edges@0f1e2d3c4b5a69788796a5b4c3d2e1f0'],
  define(cmd, ctx) {
    cmd
      .argument('<pipeline@job>', 'a pipeline and a job ID')
      .addOption(outputOption())
      .action(async (ref: string, opts) => {
        const { pipeline, id } = parseJobRef(ref);
        const datums = await collect(ctx.pps().listDatums(pipeline, id));
        emit(ctx, formatOf(opts), () => datums.map(datumJson), () => datumTable(datums));
      });
  },
};
