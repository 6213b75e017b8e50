// tusk render pipeline -f SPEC [-o yaml|json] [--version N]: the Kubernetes
// objects the kubernetes runtime would apply for a spec, without a cluster or
// a daemon, so they can be reviewed (or piped into kubectl) and validated.
import { FailedPrecondition, InvalidArgument } from '../../errors/index.js';
import type { PipelineSpec } from '../../pps/index.js';
import type { CommandDef } from '../command.js';
import type { CliContext } from '../context.js';

export const renderPipeline: CommandDef = {
  words: ['render', 'pipeline'],
  summary: 'Print the Kubernetes objects the kubernetes runtime would apply for a spec (no cluster or daemon needed).',
  examples: [
    'tusk render pipeline -f edges.yaml',
    'tusk render pipeline -f edges.yaml -o json --version 3',
    'TUSK_IMAGE=registry.example.com/tusk:0.1.0 tusk render pipeline -f edges.yaml | kubectl diff -f -',
  ],
  define(cmd, ctx) {
    cmd
      .requiredOption('-f, --file <spec>', 'spec file (YAML or JSON), or - for standard input')
      .option('-o, --output <format>', 'yaml or json', 'yaml')
      .option('--version <n>', 'the pipeline version the objects are named after', '1')
      .option('--right-size', 'set resource_requests from what the pipeline\'s datums used (asks the daemon; see inspect pipeline)')
      .addHelpText('after', '\nThe tusk image, namespace, instance label, the address pods dial and the TLS Secret they trust come from\nTUSK_IMAGE, TUSK_NAMESPACE, TUSK_INSTANCE, TUSK_WORKER_ADDRESS and TUSK_WORKER_TLS_SECRET, as for\ntuskd --runtime kubernetes. Several specs print one List.')
      .action(async (opts: { file: string; output: string; version: string; rightSize?: boolean }) => {
        if (opts.output !== 'yaml' && opts.output !== 'json') throw new InvalidArgument('InvalidFormat', `-o: "${opts.output}" is not a format of render pipeline (use yaml or json)`);
        const version = Number(opts.version);
        if (!Number.isSafeInteger(version) || version < 1) throw new InvalidArgument('InvalidVersion', `--version: "${opts.version}" is not a pipeline version (1, 2, ...)`);
        // Loaded here so that other commands do not pay for the YAML parser and the renderer at start-up.
        const { readSpecText } = await import('../spec-files.js');
        const { parsePipelineSpecs } = await import('../../pps/index.js');
        const { renderWorkload } = await import('../../runtime/kubernetes/workload.js');
        const { kubernetesSettings } = await import('../../runtime/kubernetes/settings.js');
        let specs = parsePipelineSpecs(await readSpecText(opts.file, ctx.stdin));
        if (opts.rightSize) specs = await Promise.all(specs.map((spec) => rightSized(ctx, spec)));
        const settings = kubernetesSettings(ctx.env);
        const objects = specs.map((spec) => renderWorkload(spec, version, settings));
        const doc = objects.length === 1 ? objects[0] : { apiVersion: 'v1', kind: 'List', items: objects };
        if (opts.output === 'json') ctx.stdout.write(JSON.stringify(doc, null, 2) + '\n');
        else {
          // YAML 1.1 as kubectl reads it: "off", "yes" and the like are quoted, not booleans.
          // `default` is the CommonJS module: the bundled CLI's chunk of yaml exports nothing else.
          const { default: YAML } = await import('yaml');
          ctx.stdout.write(objects.map((o) => YAML.stringify(o, { lineWidth: 0, aliasDuplicateObjects: false, version: '1.1' })).join('---\n'));
        }
      });
  },
};

/** The spec with resource_requests proposed from the datums the daemon measured for the pipeline (cpu and memory). */
async function rightSized(ctx: CliContext, spec: PipelineSpec): Promise<PipelineSpec> {
  const { proposeRequests } = await import('../../pps/index.js');
  const u = (await ctx.pps().inspectPipeline(spec.name)).datumUsage;
  if (!u || u.datums === 0) throw new FailedPrecondition('NoDatumUsage', `--right-size: pipeline "${spec.name}" has no measured datums yet (run a job first)`);
  const pct = (x: { p50: number; p95: number; max: number } | undefined) => ({ p50: x?.p50 ?? 0, p95: x?.p95 ?? 0, max: x?.max ?? 0 });
  const proposal = proposeRequests({ datums: u.datums, peakMemoryBytes: pct(u.peakMemoryBytes), cpuMs: pct(u.cpuMs), cpuMillicores: pct(u.cpuMillicores) });
  ctx.stderr.write(`${spec.name}: resource_requests cpu ${proposal.cpu}, memory ${proposal.memory} (from ${u.datums} datums: p95 peak memory plus 25%, p95 CPU rate)\n`);
  return { ...spec, resourceRequests: { ...spec.resourceRequests, ...proposal } };
}
