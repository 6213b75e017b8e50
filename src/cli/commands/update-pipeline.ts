// tusk update pipeline -f SPEC | --jsonnet TEMPLATE [--arg NAME=VALUE ...] [--reprocess] [--branch B]
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { pipelineJson } from '../pps-views.js';
import { inTransaction, recordOp, TRANSACTION_HELP } from '../transaction-record.js';

export const updatePipeline: CommandDef = {
  words: ['update', 'pipeline'],
  summary: 'Make a new version of existing pipelines from a spec file; unchanged datums are reused unless --reprocess.',
  examples: ['tusk update pipeline -f edges.yaml', 'tusk update pipeline -f edges.yaml --reprocess', 'tusk update pipeline -f edges-v2.yaml --branch exp'],
  define(cmd, ctx) {
    cmd
      .option('-f, --file <spec>', 'spec file (YAML or JSON), an http(s) URL, or - for standard input')
      .option('--jsonnet <template>', 'a Jsonnet pipeline template (file, http(s) URL or -), evaluated by the jsonnet command; it gives one spec or a list')
      .option('--arg <name=value>', 'with --jsonnet: a top-level argument of the template (a string); repeat for several', (v: string, prev: string[] = []) => [...prev, v])
      .option('--reprocess', 'run every datum again in the next job, ignoring earlier results')
      .option('-b, --branch <branch>', 'the new version applies on this branch only (an experiment): the pipeline and everything below it rerun on it; other branches keep their version')
      .option('--dry-run', 'check the specs as this command would apply them, and change nothing (as validate pipeline)')
      .addOption(outputOption())
      .addHelpText('after', TRANSACTION_HELP)
      .addHelpText('after', '\nA file may hold several specs; -o json then prints an array of pipelines instead of one pipeline.')
      .action(async (opts) => {
        // Loaded here so that other commands do not pay for the YAML parser at start-up.
        const { sendSpecs, specTextsOf, warnIgnored } = await import('../spec-files.js');
        const texts = await specTextsOf(opts, ctx.stdin);
        const txn = inTransaction(ctx, [opts.branch && '--branch', opts.dryRun && '--dry-run']);
        if (txn) {
          for (const spec of texts) await recordOp(ctx, txn, { kind: 'create_pipeline', spec, update: true, reprocess: !!opts.reprocess }, opts);
          return;
        }
        const pipelines = await sendSpecs(texts, (text) => ctx.pps().createPipeline(text, { update: true, reprocess: !!opts.reprocess, branch: opts.branch ?? '', dryRun: !!opts.dryRun }));
        warnIgnored(ctx.stderr, pipelines);
        emit(ctx, formatOf(opts), () => (texts.length === 1 ? pipelineJson(pipelines[0]!) : pipelines.map(pipelineJson)), () => (opts.dryRun ? pipelines.map((p) => `pipeline ${p.name}: valid (dry run: nothing changed)`).join('\n') : ''));
      });
  },
};
