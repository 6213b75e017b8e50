// How transactions print: -o json objects and the tables people read.
import type { TransactionInfo } from '../client/index.js';
import { formatFields, formatTable, relativeTime } from './output.js';

/** The op with only the fields its kind uses, and how it reads (`summary`). */
export function transactionJson(t: TransactionInfo) {
  return {
    id: t.id,
    started: t.started,
    ops: t.ops.map((op) => {
      const fields: Record<string, unknown> = { kind: op.kind, summary: op.summary };
      if (op.branch) fields.branch = op.branch;
      if (op.head) fields.head = op.head;
      if (op.commit) fields.commit = op.commit;
      if (op.description) fields.description = op.description;
      if (op.kind === 'create_pipeline') Object.assign(fields, { update: op.update, reprocess: op.reprocess });
      return fields;
    }),
  };
}

export function transactionTable(list: readonly TransactionInfo[], now: Date, full = false): string {
  return formatTable(['ID', 'STARTED', 'OPS'], list.map((t) => [t.id, relativeTime(t.started, now, full), String(t.ops.length)]));
}

export function transactionDetail(t: TransactionInfo, now: Date): string {
  const head = formatFields([
    ['ID', t.id],
    ['Started', relativeTime(t.started, now)],
    ['Ops', String(t.ops.length)],
  ]);
  return head + (t.ops.length > 0 ? '\n' + t.ops.map((op, i) => `  ${i + 1}. ${op.summary}`).join('\n') + '\n' : '');
}
