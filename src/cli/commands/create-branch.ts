// tusk create branch REPO@BRANCH [--head REF] [--trigger SRC [--trigger-size S] [--trigger-commits N] [--trigger-cron SPEC] [--trigger-all] | --no-trigger]
import { InvalidTrigger } from '../../errors/index.js';
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { headRef, splitRepoRef } from '../refs.js';
import { usageError } from '../usage.js';
import { inTransaction, recordOp, TRANSACTION_HELP } from '../transaction-record.js';
import { branchJson } from '../views.js';

interface Options {
  head?: string;
  /** false with --no-trigger. */
  trigger?: string | false;
  triggerSize?: string;
  triggerCommits?: string;
  triggerCron?: string;
  triggerAll?: boolean;
  provenance?: string[];
  output?: string;
}

export const createBranch: CommandDef = {
  words: ['create', 'branch'],
  summary: 'Create a branch (or move an existing one with --head, or set its trigger); costs the same whatever the data size.',
  examples: [
    'tusk create branch images@staging --head master',
    'tusk create branch images@v1 --head 0f1e2d3c4b5a69788796a5b4c3d2e1f0',
    'tusk create branch images@scratch',
    'tusk create branch images@master --trigger staging --trigger-size 100MB',
    'tusk create branch images@master --trigger staging --trigger-cron @daily --trigger-commits 10 --trigger-all',
  ],
  define(cmd, ctx) {
    cmd
      .argument('<repo@branch>', 'the branch to create')
      .option('--head <ref>', 'the commit it points at: a branch or commit ID of the same repo (default: none, an empty branch)')
      .option('-t, --trigger <branch>', 'move this branch to the last finished commit of <branch> (same repo) when the conditions below hold; with none, on every commit. Set on an existing branch, it replaces the trigger')
      .option('--trigger-size <size>', 'condition: <branch> has grown by this much since this branch\'s head (net of deletions). KB, MB, GB, TB are powers of 1000 (as in Pachyderm), KiB, MiB, GiB, TiB powers of 1024; e.g. 100MB, 1.5GiB')
      .option('--trigger-commits <n>', 'condition: at least <n> commits were made on <branch> since this branch\'s head')
      .option('--trigger-cron <spec>', 'condition: a tick of this schedule (UTC) has come since the branch last moved: 5 or 6 cron fields, @daily, @hourly, or @every <duration> such as @every 1h')
      .option('--trigger-all', 'move only when every condition holds (default: any one of them)')
      .option('--no-trigger', 'remove the branch\'s trigger: it stays where it is and no longer follows')
      .option('-p, --provenance <repo@branch>', 'pachctl\'s hand-set branch provenance: refused here (provenance comes from pipeline inputs)', (v: string, prev: string[] = []) => [...prev, v])
      .addOption(outputOption())
      .addHelpText('after', TRANSACTION_HELP)
      .action(async (branch: string, opts: Options) => {
        if (opts.provenance) {
          throw usageError(`--provenance ${opts.provenance.join(', ')}: Tusk does not set branch provenance by hand; a pipeline that reads ${opts.provenance[0]} records it for its output branch`);
        }
        const { repo, name } = splitRepoRef(branch);
        const txn = inTransaction(ctx, [opts.trigger !== undefined && (opts.trigger === false ? '--no-trigger' : '--trigger')]);
        if (txn) return recordOp(ctx, txn, { kind: 'create_branch', branch, head: opts.head ? headRef(repo, opts.head) : '' }, opts);
        const conditions = [opts.triggerSize && '--trigger-size', opts.triggerCommits && '--trigger-commits', opts.triggerCron && '--trigger-cron', opts.triggerAll && '--trigger-all'].filter(Boolean);
        if (!opts.trigger && conditions.length > 0) throw usageError(`${conditions.join(', ')} need${conditions.length === 1 ? 's' : ''} --trigger <branch>`);
        const trigger = opts.trigger
          ? { branch: opts.trigger, size: opts.triggerSize ?? '', commits: commitsOf(name, opts.triggerCommits), cronSpec: opts.triggerCron ?? '', all: opts.triggerAll ?? false }
          : undefined;
        const head = opts.head ? headRef(repo, opts.head) : '';
        const created = await ctx.client().createBranch(branch, head, trigger, opts.trigger === false);
        emit(ctx, formatOf(opts), () => branchJson(created), () => '');
      });
  },
};

function commitsOf(branch: string, text: string | undefined): number {
  if (text === undefined) return 0;
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
    throw new InvalidTrigger(branch, 'commits', text, 'must be a whole number of commits, 1 or more');
  }
  return Number(text);
}
