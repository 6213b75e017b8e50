// tusk impact REPO@REF | -f SPEC [--branch B] [--reprocess]
import { usageError } from '../usage.js';
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { impactRowJson, impactTable } from '../experiment-views.js';

export const impact: CommandDef = {
  words: ['impact'],
  summary: 'Preview what a change would run — an open commit, a branch, or a pipeline spec — without running anything.',
  examples: ['tusk impact images@master', 'tusk impact images@exp', 'tusk impact -f edges.yaml', 'tusk impact -f edges.yaml --branch exp'],
  define(cmd, ctx) {
    cmd
      .argument('[repo@ref]', 'an open commit (what finishing it runs) or a branch (what its head runs)')
      .option('-f, --file <spec>', 'a pipeline spec (what `create/update pipeline` with it would run)')
      .option('-b, --branch <branch>', 'with -f: the version would apply on this branch only (`update pipeline --branch`)')
      .option('--reprocess', 'with -f: as `update pipeline --reprocess`')
      .addOption(outputOption())
      .addHelpText('after', '\nFor each pipeline the change sets off: datums in the job, how many would run, how many would be reused.\nBelow a pipeline that would run new datums, the counts depend on outputs that do not exist yet: shown as ?.')
      .action(async (ref: string | undefined, opts) => {
        if (!ref === !opts.file) throw usageError('give either REPO@REF or -f SPEC');
        const spec = opts.file ? await (await import('../spec-files.js')).oneSpecText(opts.file, ctx.stdin, 'impact') : undefined;
        const rows = await ctx.pps().impact({ ...(ref ? { ref } : {}), ...(spec ? { spec } : {}), branch: opts.branch ?? '', reprocess: !!opts.reprocess });
        emit(ctx, formatOf(opts), () => rows.map(impactRowJson), () => impactTable(rows));
      });
  },
};
