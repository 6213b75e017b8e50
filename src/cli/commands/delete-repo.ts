// tusk delete repo NAME [--force] | --all [--force]
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { confirm } from '../confirm.js';
import { usageError } from '../usage.js';
import type { CliContext } from '../context.js';
import type { PipelineSpec } from '../../pps/index.js';

export const deleteRepo: CommandDef = {
  words: ['delete', 'repo'],
  summary: 'Delete a repo with its branches and commits (refused while a pipeline reads it, unless --force); --all deletes every repo.',
  examples: ['tusk delete repo images', 'tusk delete repo images --force', 'tusk delete repo --all', 'tusk delete repo --all --force   # pipelines too'],
  define(cmd, ctx) {
    cmd
      .argument('[repo]', 'repo name')
      .option('-f, --force', 'delete even if pipelines read the repo (with --all: delete the pipelines too)')
      .option('--all', 'delete every repo (asks first on a terminal); refused while pipelines exist, unless --force')
      .addOption(outputOption())
      .action(async (name: string | undefined, opts) => {
        if (!name === !opts.all) throw usageError('give a repo name or --all');
        if (name) {
          // With --force the pipelines that read it stay: say which, as the refusal without --force would have.
          const readers = opts.force ? await pipelinesReading(ctx, name) : [];
          await ctx.client().deleteRepo(name, !!opts.force);
          if (readers.length > 0) ctx.stderr.write(`tusk: warning: pipeline${readers.length > 1 ? 's' : ''} ${readers.join(', ')} still read${readers.length > 1 ? '' : 's'} repo "${name}", deleted with --force (tusk delete pipeline NAME, or create the repo again)\n`);
          emit(ctx, formatOf(opts), () => ({ repo: name, deleted: true }), () => '');
          return;
        }
        const pipelines = (await ctx.pps().listPipelines()).map((p) => p.name);
        if (pipelines.length > 0 && !opts.force) throw usageError(`pipelines exist (${pipelines.join(', ')}): delete them first (\`tusk delete pipeline --all\`), or add --force to delete them too`);
        const repos = (await ctx.client().listRepos()).map((r) => r.name);
        if (repos.length > 0) await confirm(ctx, `delete all ${repos.length} repos (${repos.join(', ')})${pipelines.length > 0 ? ` and ${pipelines.length} pipelines` : ''}?`);
        for (const p of pipelines) await ctx.pps().deletePipeline(p, true);
        const left = (await ctx.client().listRepos()).map((r) => r.name);
        for (const r of left) await ctx.client().deleteRepo(r, true);
        emit(ctx, formatOf(opts), () => repos.map((r) => ({ repo: r, deleted: true })), () => '');
      });
  },
};

/** The pipelines whose inputs name `repo`. */
async function pipelinesReading(ctx: CliContext, repo: string): Promise<string[]> {
  const { inputRepos } = await import('../../pps/dag.js');
  return (await ctx.pps().listPipelines()).filter((p) => inputRepos(JSON.parse(p.specJson) as PipelineSpec).some((i) => i.repo === repo)).map((p) => p.name);
}
