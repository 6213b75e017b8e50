// tusk create pipeline -f SPEC.yaml|SPEC.json|- | --jsonnet TEMPLATE [--arg NAME=VALUE ...]
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { pipelineJson } from '../pps-views.js';
import { inTransaction, recordOp, TRANSACTION_HELP } from '../transaction-record.js';

export const createPipeline: CommandDef = {
  words: ['create', 'pipeline'],
  summary: 'Create pipelines from a spec file (YAML or JSON, Pachyderm\'s field names); each gets an output repo of its name.',
  examples: [
    'tusk create pipeline -f edges.yaml',
    'tusk create pipeline -f pipelines.yaml     # several specs separated by ---, created in order',
    'cat edges.json | tusk create pipeline -f -',
    'tusk create pipeline -f https://raw.githubusercontent.com/pachyderm/pachyderm/master/examples/opencv/edges.json',
  ],
  define(cmd, ctx) {
    cmd
      .option('-f, --file <spec>', 'spec file (YAML or JSON), an http(s) URL, or - for standard input')
      .option('--jsonnet <template>', 'a Jsonnet pipeline template (file, http(s) URL or -), evaluated by the jsonnet command; it gives one spec or a list')
      .option('--arg <name=value>', 'with --jsonnet: a top-level argument of the template (a string); repeat for several', (v: string, prev: string[] = []) => [...prev, v])
      .option('--dry-run', 'check the specs as this command would apply them, and change nothing (as validate pipeline)')
      .addOption(outputOption())
      .addHelpText('after', TRANSACTION_HELP)
      .addHelpText('after', '\nA file may hold several specs (YAML documents separated by ---, or JSON objects one after another): they are created in order,\nand -o json then prints an array of pipelines instead of one pipeline.')
      .action(async (opts) => {
        // Loaded here so that other commands do not pay for the YAML parser at start-up.
        const { sendSpecs, specTextsOf, warnIgnored } = await import('../spec-files.js');
        const texts = await specTextsOf(opts, ctx.stdin);
        const txn = inTransaction(ctx, [opts.dryRun && '--dry-run']);
        if (txn) {
          for (const spec of texts) await recordOp(ctx, txn, { kind: 'create_pipeline', spec, update: false, reprocess: false }, opts);
          return;
        }
        const pipelines = await sendSpecs(texts, (text) => ctx.pps().createPipeline(text, { dryRun: !!opts.dryRun }));
        warnIgnored(ctx.stderr, pipelines);
        emit(ctx, formatOf(opts), () => (texts.length === 1 ? pipelineJson(pipelines[0]!) : pipelines.map(pipelineJson)), () => (opts.dryRun ? pipelines.map((p) => `pipeline ${p.name}: valid (dry run: nothing changed)`).join('\n') : ''));
      });
  },
};
