// tusk list datum PIPELINE@JOB_ID | -f SPEC [--branch B] [--reprocess]
import { usageError } from '../usage.js';
import { collect, emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { datumJson, datumTable } from '../pps-views.js';
import { parseJobRef } from '../refs.js';

export const listDatum: CommandDef = {
  words: ['list', 'datum'],
  summary: 'List a job\'s datums: ID, state (skipped = an earlier result reused), input files, tries and time.',
  examples: ['tusk list datum edges@0f1e2d3c4b5a69788796a5b4c3d2e1f0', 'tusk list datum -f edges.yaml'],
  define(cmd, ctx) {
    cmd
      .argument('[pipeline@job]', 'a pipeline and a job ID')
      .option('-f, --file <spec>', 'a pipeline spec: the datums its job would have now, without creating anything (queued: would run; skipped: an earlier result would be reused)')
      .option('-b, --branch <branch>', 'with -f: plan on this branch, as `update pipeline --branch` would run it')
      .option('--reprocess', 'with -f: as `update pipeline --reprocess` (every datum queued)')
      .addOption(outputOption())
      .action(async (ref: string | undefined, opts) => {
        if (!ref === !opts.file) throw usageError('give either PIPELINE@JOB_ID or -f SPEC');
        if (!opts.file && (opts.branch || opts.reprocess)) throw usageError('--branch and --reprocess go with -f SPEC');
        let datums;
        if (opts.file) {
          const { oneSpecText } = await import('../spec-files.js');
          const spec = await oneSpecText(opts.file, ctx.stdin, 'list datum');
          datums = await collect(ctx.pps().proposedDatums(spec, opts.branch ?? '', !!opts.reprocess));
        } else {
          const { pipeline, id } = parseJobRef(ref!);
          datums = await collect(ctx.pps().listDatums(pipeline, id));
        }
        emit(ctx, formatOf(opts), () => datums.map(datumJson), () => datumTable(datums));
      });
  },
};
