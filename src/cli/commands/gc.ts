// tusk gc [--dry-run]
import type { GcResponse } from '../../gen/tusk/admin.js';
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { formatFields, humanSize } from '../output.js';

export function gcJson(r: GcResponse) {
  return { ...r, leases: [...r.leases] };
}

export function gcFields(r: GcResponse): string {
  const verb = r.dryRun ? 'Would free' : 'Freed';
  return formatFields([
    [verb, `${humanSize(r.bytesFreed)} (${r.bytesFreed} bytes)`],
    ['Packs', `${r.packsScanned} scanned, ${r.packsRemoved} ${r.dryRun ? 'to remove' : 'removed'}, ${r.packsRewritten} ${r.dryRun ? 'to rewrite' : 'rewritten'} (${humanSize(r.bytesCopied)} of live data copied), ${r.packsProtected} kept for writers in flight`],
    ['Objects', `${r.entriesScanned} chunks and tree nodes checked, ${r.entriesLive} live; ${r.objectsRemoved} objects ${r.dryRun ? 'to delete' : 'deleted'}`],
    ['Work in flight', r.leases.length === 0 ? '-' : r.leases.join(', ')],
    ['Took', `${r.durationMs} ms`],
  ]);
}

export const gc: CommandDef = {
  clients: 'files',
  words: ['gc'],
  summary: 'Remove the chunks, packs and tree nodes nothing reaches any more (clusterAdmin).',
  examples: ['tusk gc --dry-run', 'tusk gc', 'tusk gc -o json'],
  define(cmd, ctx) {
    cmd
      .option('--dry-run', 'only report what would be freed')
      .addOption(outputOption())
      .action(async (opts: { dryRun?: boolean; output?: string }) => {
        const result = await ctx.client().gc(opts.dryRun === true);
        emit(ctx, formatOf(opts), () => gcJson(result), () => gcFields(result));
      });
  },
};
