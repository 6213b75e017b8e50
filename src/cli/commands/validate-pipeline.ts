// tusk validate pipeline -f SPEC|URL|-
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { pipelineJson } from '../pps-views.js';

export const validatePipeline: CommandDef = {
  words: ['validate', 'pipeline'],
  summary: 'Check pipeline specs as `create pipeline` would (fields, globs, inputs, cycles) without creating anything.',
  examples: ['tusk validate pipeline -f edges.yaml', 'tusk validate pipeline -f https://example.com/edges.json -o json'],
  define(cmd, ctx) {
    cmd
      .requiredOption('-f, --file <spec>', 'spec file (YAML or JSON), an http(s) URL, or - for standard input')
      .addOption(outputOption())
      .action(async (opts) => {
        const { readSpecText, sendSpecs, splitSpecs, warnIgnored } = await import('../spec-files.js');
        const texts = splitSpecs(await readSpecText(opts.file, ctx.stdin));
        const pipelines = await sendSpecs(texts, (text) => ctx.pps().createPipeline(text, { update: true, dryRun: true }));
        warnIgnored(ctx.stderr, pipelines);
        emit(
          ctx,
          formatOf(opts),
          () => (texts.length === 1 ? pipelineJson(pipelines[0]!) : pipelines.map(pipelineJson)),
          () => pipelines.map((p) => `pipeline ${p.name}: valid`).join('\n'),
        );
      });
  },
};
