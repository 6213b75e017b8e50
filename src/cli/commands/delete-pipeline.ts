// tusk delete pipeline NAME [--force] [--keep-repo] | --all
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { confirm } from '../confirm.js';
import { usageError } from '../usage.js';

export const deletePipeline: CommandDef = {
  words: ['delete', 'pipeline'],
  summary: 'Delete a pipeline, its jobs and its output repo (refused while another pipeline reads that repo, unless --force); --all deletes every pipeline.',
  examples: ['tusk delete pipeline edges', 'tusk delete pipeline edges --force', 'tusk delete pipeline edges --keep-repo   # edges stays, as a plain repo', 'tusk delete pipeline --all'],
  define(cmd, ctx) {
    cmd
      .argument('[name]', 'pipeline name')
      .option('-f, --force', 'delete even if other pipelines read its output repo')
      .option('--keep-repo', 'keep the output repo, as a plain repo with its commits (a pipeline of the same name then needs it deleted first)')
      .option('--all', 'delete every pipeline (asks first on a terminal)')
      .addOption(outputOption())
      .action(async (name: string | undefined, opts) => {
        if (!name === !opts.all) throw usageError('give a pipeline name or --all');
        if (name) {
          await ctx.pps().deletePipeline(name, !!opts.force, !!opts.keepRepo);
          emit(ctx, formatOf(opts), () => ({ pipeline: name, deleted: true }), () => '');
          return;
        }
        const names = (await ctx.pps().listPipelines()).map((p) => p.name);
        if (names.length > 0) await confirm(ctx, `delete all ${names.length} pipelines (${names.join(', ')}) with their jobs${opts.keepRepo ? '' : ' and output repos'}?`);
        // All of them go, so another pipeline reading an output is no reason to stop.
        for (const n of names) await ctx.pps().deletePipeline(n, true, !!opts.keepRepo);
        emit(ctx, formatOf(opts), () => names.map((n) => ({ pipeline: n, deleted: true })), () => '');
      });
  },
};
