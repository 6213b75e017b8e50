// While a transaction is active (`tusk start transaction`), the commands that
// Pachyderm treats as transactional record their op in it instead of applying
// it: they call recordOp and print what was recorded.
import { emit, formatOf } from './command.js';
import type { CliContext } from './context.js';
import { activeTransaction } from './config-file.js';
import { transactionJson } from './transaction-views.js';
import { usageError } from './usage.js';
import type { TransactionOp } from '../client/index.js';

/** The active transaction's ID, or undefined; `unsupported` names options refused inside one. */
export function inTransaction(ctx: CliContext, unsupported: readonly (string | false | undefined)[] = []): string | undefined {
  const id = activeTransaction(ctx.env);
  const refused = unsupported.filter((o): o is string => Boolean(o));
  if (id && refused.length > 0) throw usageError(`${refused.join(', ')} cannot be recorded in a transaction (transaction ${id} is active: finish or delete it first)`);
  return id;
}

/** Records one op in the transaction and prints it (-o json: the transaction). */
export async function recordOp(ctx: CliContext, id: string, op: Partial<TransactionOp> & { kind: string }, opts: { output?: string }): Promise<void> {
  const t = await ctx.pps().addTransactionOp(id, op);
  emit(ctx, formatOf(opts), () => transactionJson(t), () => `added to transaction ${id}: ${t.ops[t.ops.length - 1]?.summary ?? op.kind}`);
}

/** The line every transactional command's --help ends with. */
export const TRANSACTION_HELP = '\nWhile a transaction is active (tusk start transaction), this command is recorded in it and applied by tusk finish transaction.';
