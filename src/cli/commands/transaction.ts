// tusk start transaction | finish transaction [ID] | delete transaction [ID] | list transaction | inspect transaction [ID]
// As in pachctl: the started transaction becomes the CLI's active one (kept in its config file),
// and create branch, start/finish commit and create/update pipeline are recorded in it until
// it is finished (applied at once) or deleted (discarded).
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { activeTransaction, storeTransaction } from '../config-file.js';
import type { CliContext } from '../context.js';
import { jobJson } from '../pps-views.js';
import { transactionDetail, transactionJson, transactionTable } from '../transaction-views.js';
import { usageError } from '../usage.js';

/** The ID given, else the active transaction's. */
function target(ctx: CliContext, id: string | undefined): string {
  const chosen = id ?? activeTransaction(ctx.env);
  if (!chosen) throw usageError('no transaction is active: give its ID (tusk list transaction shows them)');
  return chosen;
}

/** Forgets the active transaction when it is `id`. */
function clearIfActive(ctx: CliContext, id: string): void {
  if (activeTransaction(ctx.env) === id) storeTransaction(ctx.env, undefined);
}

export const startTransaction: CommandDef = {
  words: ['start', 'transaction'],
  summary: 'Start a transaction and make it active: create branch, start/finish commit and create/update pipeline are recorded in it, not applied, until it is finished.',
  examples: ['tusk start transaction', 'tusk start transaction -o json'],
  define(cmd, ctx) {
    cmd.addOption(outputOption()).action(async (opts) => {
      const active = activeTransaction(ctx.env);
      if (active) throw usageError(`transaction ${active} is active already: finish or delete it first`);
      const t = await ctx.pps().startTransaction();
      storeTransaction(ctx.env, t.id);
      emit(ctx, formatOf(opts), () => transactionJson(t), () => `started transaction ${t.id}`);
    });
  },
};

export const finishTransaction: CommandDef = {
  words: ['finish', 'transaction'],
  summary: 'Apply a transaction\'s ops at once (the active one by default): the jobs they set off start once, for the final state. A failing op rolls everything back.',
  examples: ['tusk finish transaction', 'tusk finish transaction 7d0c5e8a1b2f43c69e8d7a6b5c4d3e2f -o json'],
  define(cmd, ctx) {
    cmd
      .argument('[id]', 'the transaction (default: the active one)')
      .addOption(outputOption())
      .action(async (id: string | undefined, opts) => {
        const chosen = target(ctx, id);
        try {
          const done = await ctx.pps().finishTransaction(chosen);
          emit(ctx, formatOf(opts), () => ({ ...transactionJson(done.transaction!), jobs: done.jobs.map(jobJson) }), () => {
            const jobs = done.jobs.map((j) => `${j.pipeline}@${j.id}`);
            return `finished transaction ${chosen}: ${done.transaction!.ops.length} op(s) applied${jobs.length > 0 ? `; started job${jobs.length === 1 ? '' : 's'} ${jobs.join(', ')}` : ''}`;
          });
        } finally {
          // Finished or rolled back, the daemon has dropped it: commands apply directly again.
          clearIfActive(ctx, chosen);
        }
      });
  },
};

export const deleteTransaction: CommandDef = {
  words: ['delete', 'transaction'],
  summary: 'Discard a transaction and the ops recorded in it (the active one by default); nothing of it is applied.',
  examples: ['tusk delete transaction', 'tusk delete transaction 7d0c5e8a1b2f43c69e8d7a6b5c4d3e2f'],
  define(cmd, ctx) {
    cmd
      .argument('[id]', 'the transaction (default: the active one)')
      .addOption(outputOption())
      .action(async (id: string | undefined, opts) => {
        const chosen = target(ctx, id);
        await ctx.pps().deleteTransaction(chosen);
        clearIfActive(ctx, chosen);
        emit(ctx, formatOf(opts), () => ({ id: chosen, deleted: true }), () => `deleted transaction ${chosen}`);
      });
  },
};

export const listTransaction: CommandDef = {
  words: ['list', 'transaction'],
  summary: 'List the open transactions, oldest first.',
  examples: ['tusk list transaction', 'tusk list transactions -o json'],
  define(cmd, ctx) {
    cmd.addOption(outputOption()).action(async (opts) => {
      const list = await ctx.pps().listTransactions();
      emit(ctx, formatOf(opts), () => list.map(transactionJson), () => transactionTable(list, ctx.now(), opts.fullTimestamps === true));
    });
  },
};

export const inspectTransaction: CommandDef = {
  words: ['inspect', 'transaction'],
  summary: 'Show a transaction\'s recorded ops, in order (the active one by default).',
  examples: ['tusk inspect transaction', 'tusk inspect transaction 7d0c5e8a1b2f43c69e8d7a6b5c4d3e2f -o json'],
  define(cmd, ctx) {
    cmd
      .argument('[id]', 'the transaction (default: the active one)')
      .addOption(outputOption())
      .action(async (id: string | undefined, opts) => {
        const t = await ctx.pps().inspectTransaction(target(ctx, id));
        emit(ctx, formatOf(opts), () => transactionJson(t), () => transactionDetail(t, ctx.now()));
      });
  },
};
