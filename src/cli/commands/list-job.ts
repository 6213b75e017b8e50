// tusk list job [JOB_ID] [-p PIPELINE] [--state STATE] [-i REPO@REF ...] [-x]
import { Option } from 'commander';
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { LocalPpsReads, LocalReads } from '../local-reads.js';
import { jobJson, jobTable } from '../pps-views.js';
import { isGlobalId } from '../refs.js';
import { usageError } from '../usage.js';

const STATES = ['created', 'running', 'finishing', 'success', 'failure', 'killed'];

export const listJob: CommandDef = {
  clients: 'on-demand', // a daemon on this machine answers over its HTTP API (local-reads.ts)
  words: ['list', 'job'],
  summary: 'List jobs, newest first (-p: of one pipeline; --state: in one state). DATUMS reads processed+skipped/total.',
  examples: ['tusk list job', 'tusk list job -p edges -o json', 'tusk list jobs --state failed', 'tusk list job 0f1e2d3c4b5a69788796a5b4c3d2e1f0   # every pipeline\'s job of this global ID'],
  define(cmd, ctx) {
    cmd
      .argument('[job-id]', 'only the jobs of this global ID (one per pipeline the commit reached), as pachctl lists a job set')
      .option('-p, --pipeline <name>', 'only this pipeline\'s jobs')
      .addOption(new Option('--state <state>', 'only jobs in this state (failed = failure, as pachctl writes it)').choices([...STATES, 'failed', 'succeeded']))
      .option('-x, --expand', 'one row per pipeline\'s job: the default here (pachctl groups a job set into one row without it)')
      .option('-i, --input <repo@ref>', 'only jobs that read this input commit (a branch means its head); repeat for several, all of which a job must have read', (v: string, prev: string[] = []) => [...prev, v])
      .addOption(outputOption())
      .action(async (id: string | undefined, opts) => {
        if (id !== undefined && !isGlobalId(id)) throw usageError(`expected a job ID (32 lowercase hex digits), got "${id}"`);
        // The daemon lists jobs newest first.
        const state: string | undefined = opts.state === 'failed' ? 'failure' : opts.state === 'succeeded' ? 'success' : opts.state;
        const inputs: { repo: string; id: string }[] = [];
        for (const ref of (opts.input as string[] | undefined) ?? []) {
          const commit = await new LocalReads(ctx).inspectCommit(ref);
          inputs.push({ repo: commit.repo, id: commit.id });
        }
        const readsAll = (j: { inputs: readonly { repo: string; id: string }[] }) => inputs.every((want) => j.inputs.some((i) => i.repo === want.repo && i.id === want.id));
        const jobs = (await new LocalPpsReads(ctx).listJobs(opts.pipeline ?? '')).filter((j) => (!state || j.state === state) && (id === undefined || j.id === id) && readsAll(j));
        emit(ctx, formatOf(opts), () => jobs.map(jobJson), () => jobTable(jobs, ctx.now(), opts.fullTimestamps === true));
      });
  },
};
