// tusk list pipeline [NAME] [--spec] [--state STATE ...] [--history N|all]
import type { Job, Pipeline } from '../../client/index.js';
import type { PipelineSpec } from '../../pps/index.js';
import { InvalidArgumentError } from 'commander';
import { usageError } from '../usage.js';
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import type { CliContext } from '../context.js';
import { LocalPpsReads } from '../local-reads.js';
import { printJson, printYaml } from '../output.js';
import { pipelineHistoryTable, pipelineJson, pipelineTable, pipelineVersionJson, type PipelineVersionJson } from '../pps-views.js';
import { creationOrder } from '../spec-order.js';

export const listPipeline: CommandDef = {
  clients: 'on-demand', // a daemon on this machine answers over its HTTP API (local-reads.ts)
  words: ['list', 'pipeline'],
  summary: 'List pipelines with their input, state and last job (NAME: just that one).',
  examples: ['tusk list pipeline', 'tusk list pipeline edges -o json', 'tusk list pipeline --spec > pipelines.json   # a backup: tusk create pipeline -f pipelines.json'],
  define(cmd, ctx) {
    cmd
      .argument('[name]', 'show only this pipeline')
      .option('--state <state>', 'only pipelines in this state: running, paused or failure; repeat for several (pachctl\'s starting, restarting and standby count as running, crashing as failure)', stateList)
      .option('--history <n>', 'each pipeline\'s versions, newest first: those that run now and the N latest superseded ones (all or -1: every one; none: the plain listing), with the branches that run each', historyCount)
      .option('--spec', "print the specs (as create pipeline takes them; JSON objects one after another, or YAML documents with -o yaml), each after the pipelines it reads")
      .addOption(outputOption())
      .action(async (name: string | undefined, opts) => {
        const pps = new LocalPpsReads(ctx);
        const format = formatOf(opts);
        const states = opts.state === undefined ? undefined : new Set((opts.state as string[]).map((s) => PACHCTL_STATES[s] ?? s));
        const pipelines = (name ? [await pps.inspectPipeline(name)] : await pps.listPipelines()).filter((p) => !states || states.has(p.state));
        const history = typeof opts.history === 'number' ? opts.history : undefined; // --history none: the plain listing
        if (opts.spec && history !== undefined) throw usageError('--spec and --history do not go together');
        if (opts.spec) return printSpecs(ctx, pipelines, format === 'yaml' ? 'yaml' : 'json');
        if (history !== undefined) {
          await ctx.loadClient('all');
          const rows: PipelineVersionJson[] = [];
          for (const p of pipelines) for (const v of await ctx.pps().pipelineHistory(p.name, history)) rows.push(pipelineVersionJson(p.name, v));
          return emit(ctx, format, () => rows, () => pipelineHistoryTable(rows));
        }
        const lastJobs = new Map<string, Job>();
        if (format === 'table' && pipelines.length > 0) {
          // Jobs come newest first: the first one seen per pipeline is its last.
          for (const job of await pps.listJobs(name ?? '')) if (!lastJobs.has(job.pipeline)) lastJobs.set(job.pipeline, job);
        }
        emit(ctx, format, () => pipelines.map(pipelineJson), () => pipelineTable(pipelines, lastJobs, ctx.now(), opts.fullTimestamps === true));
      });
  },
};

const PIPELINE_STATES = ['running', 'paused', 'failure'];
/** pachctl's names of states Tusk does not have, to the one that stands for them here. */
const PACHCTL_STATES: Record<string, string> = { starting: 'running', restarting: 'running', standby: 'running', crashing: 'failure' };

function stateList(value: string, previous: string[] = []): string[] {
  if (!PIPELINE_STATES.includes(value) && !Object.hasOwn(PACHCTL_STATES, value)) {
    throw new InvalidArgumentError(`expected one of ${[...PIPELINE_STATES, ...Object.keys(PACHCTL_STATES)].join(', ')}`);
  }
  return [...previous, value];
}

/** pachctl's --history values: a count of earlier versions, `all` or -1 for every one (`none`: 0). */
function historyCount(value: string): number | undefined {
  if (value === 'all' || value === '-1') return -1;
  if (value === 'none') return undefined; // the plain listing
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a number of earlier versions, all or -1');
  return Number(value);
}

/** pachctl's `list pipeline --spec`: each spec in Pachyderm's field names, in an order `create pipeline -f` can read back. */
async function printSpecs(ctx: CliContext, pipelines: readonly Pipeline[], format: 'json' | 'yaml'): Promise<void> {
  const { specDocument } = await import('../../pps/spec-document.js');
  const { inputRepos } = await import('../../pps/dag.js');
  const specs = pipelines.map((p) => {
    const spec = JSON.parse(p.specJson) as PipelineSpec;
    return { name: p.name, created: p.created, inputRepos: inputRepos(spec).map((i) => i.repo), doc: specDocument(spec) };
  });
  // JSON objects one after another, or YAML documents separated by ---: what create pipeline -f reads.
  creationOrder(specs).forEach((s, i) => {
    if (format === 'json') return printJson(ctx.stdout, s.doc);
    if (i > 0) ctx.stdout.write('---\n');
    printYaml(ctx.stdout, s.doc);
  });
}
