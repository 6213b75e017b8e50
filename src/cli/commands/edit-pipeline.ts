// tusk edit pipeline NAME [--reprocess] [--editor-format yaml|json]
// Opens the pipeline's spec (in Pachyderm's field names) in $EDITOR, and
// when the editor exits 0 with the file changed, updates the pipeline to it;
// an edit the daemon refuses is kept, and the error names the file (as kubectl edit does).
import { createRequire } from 'node:module';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Option } from 'commander';
import { isTuskError, TuskError } from '../../errors/index.js';
import type { PipelineSpec } from '../../pps/index.js';
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { pipelineJson } from '../pps-views.js';

export const editPipeline: CommandDef = {
  words: ['edit', 'pipeline'],
  summary: 'Open a pipeline\'s spec in $EDITOR (else $VISUAL, else vi); saving a change updates the pipeline (a new version).',
  examples: ['tusk edit pipeline edges', 'EDITOR=nano tusk edit pipeline edges --reprocess', 'tusk edit pipeline edges --editor-format json -o json'],
  define(cmd, ctx) {
    cmd
      .argument('<name>', 'pipeline name')
      .option('--reprocess', 'the new version reruns every datum instead of reusing results')
      .addOption(new Option('--editor-format <format>', 'the format of the spec in the editor').choices(['yaml', 'json']).default('yaml'))
      .addOption(outputOption())
      .addHelpText('after', '\nQuitting the editor without a change, or with a non-zero exit, leaves the pipeline as it is. An edit the daemon refuses\n(a misspelt field) leaves it as it is too, and is kept in a file the error names.\n-o json prints the pipeline (updated or not).')
      .action(async (name: string, opts) => {
        const { specDocument } = await import('../../pps/spec-document.js');
        const { stringify } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
        const current = await ctx.pps().inspectPipeline(name);
        const doc = specDocument(JSON.parse(current.specJson) as PipelineSpec);
        const text = opts.editorFormat === 'json' ? JSON.stringify(doc, null, 2) + '\n' : stringify(doc, { lineWidth: 0 });
        const dir = await mkdtemp(join(tmpdir(), 'tusk-edit-'));
        let keep = false;
        try {
          const file = join(dir, `${name}.${opts.editorFormat}`);
          await writeFile(file, text);
          await runEditor(ctx.env, file);
          const edited = await readFile(file, 'utf8');
          if (edited === text) {
            emit(ctx, formatOf(opts), () => pipelineJson(current), () => `pipeline ${name}: no change`);
            return;
          }
          const updated = await ctx.pps().createPipeline(edited, { update: true, reprocess: !!opts.reprocess }).catch((err: unknown) => {
            if (!isTuskError(err)) throw err;
            keep = true;
            throw new TuskError(err.kind, err.code, `${err.message} (your edit is kept in ${file}: fix it and run tusk update pipeline -f ${file})`, { ...err.data });
          });
          emit(ctx, formatOf(opts), () => pipelineJson(updated), () => `pipeline ${name}: version ${updated.version}`);
        } finally {
          if (!keep) await rm(dir, { recursive: true, force: true });
        }
      });
  },
};

/** Runs `$EDITOR FILE` through the shell (EDITOR may hold arguments, as `code --wait`) on the terminal. */
async function runEditor(env: NodeJS.ProcessEnv, file: string): Promise<void> {
  const { spawn } = await import('node:child_process'); // not loaded by every `tusk` start
  const editor = env.EDITOR || env.VISUAL || 'vi';
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', `${editor} "$1"`, 'sh', file], { stdio: 'inherit', env });
    child.on('error', (err) => reject(new TuskError('failed_precondition', 'EditorFailed', `cannot run the editor "${editor}": ${err.message}`)));
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new TuskError('failed_precondition', 'EditorFailed', `the editor "${editor}" exited ${signal ?? code}: the pipeline is unchanged`));
    });
  });
}
