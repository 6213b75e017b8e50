// tusk next datum — inside a pipeline with transform.datum_batching: reports
// the datum handed out before as done (or failed, with --error) and waits for
// the next one, then prints its variables as `export NAME='value'` lines, so
// shell code loops with `eval "$(tusk next datum)"`, as with Pachyderm's
// `pachctl next datum`. It talks to the worker over $TUSK_WORKER_SOCKET with
// the worker socket protocol (worker/batch-socket.ts): one JSON line
// `{"op":"next"}` (or with "error"), answered by `{"env":{...}}` or
// `{"error":"..."}`. The worker puts the package's bin/ first on PATH, so
// `tusk` is found inside the sandbox too. bin/tusk runs the plain forms through
// next-datum-ask.ts without loading the CLI.
import { Option } from 'commander';
import { FailedPrecondition } from '../../errors/index.js';
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';

export const nextDatum: CommandDef = {
  words: ['next', 'datum'],
  summary: 'Finish the current datum and wait for the next one (code of a pipeline with datum_batching).',
  examples: ['while true; do eval "$(tusk next datum)"; cp "$images" /pfs/out/; done', 'tusk next datum --error "cannot parse $images"'],
  define(cmd, ctx) {
    cmd
      .addOption(new Option('--error <message>', 'report the current datum as failed instead of done'))
      .addOption(outputOption())
      .action(async (opts: { error?: string; output?: string }) => {
        const socketPath = ctx.env.TUSK_WORKER_SOCKET;
        if (!socketPath) throw new FailedPrecondition('NotInDatumBatching', 'TUSK_WORKER_SOCKET is not set: `tusk next datum` works only inside a pipeline with transform.datum_batching');
        const { askWorker, shellExports } = await import('../next-datum-ask.js'); // node:net only for this command
        const env = await askWorker(socketPath, opts.error !== undefined ? { op: 'next', error: opts.error } : { op: 'next' });
        const exports = shellExports(env);
        if (exports.skipped.length > 0 && formatOf(opts) === 'table') ctx.stderr.write(`tusk: not exported (not shell names): ${exports.skipped.join(', ')}\n`);
        emit(ctx, formatOf(opts), () => env, () => exports.text);
      });
  },
};
