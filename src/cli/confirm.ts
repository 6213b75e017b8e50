// Asking before a sweeping change (`delete repo --all`): on a terminal the
// user types y; piped or scripted (stdin not a terminal) nothing is asked, as
// with pachctl.
import { TuskError } from '../errors/index.js';
import type { CliContext } from './context.js';

/** Resolves when confirmed (or stdin is not a terminal); throws Cancelled when the answer is not y/yes. */
export async function confirm(ctx: CliContext, question: string): Promise<void> {
  if (!(ctx.stdin as NodeJS.ReadStream).isTTY) return;
  const { createInterface } = await import('node:readline'); // not loaded by every `tusk` start
  const rl = createInterface({ input: ctx.stdin, output: ctx.stderr, terminal: false });
  try {
    ctx.stderr.write(`${question} [y/N] `);
    const answer: string = await new Promise((resolve) => {
      rl.once('line', resolve);
      rl.once('close', () => resolve(''));
    });
    if (!/^y(es)?$/i.test(answer.trim())) throw new TuskError('failed_precondition', 'Cancelled', 'cancelled: nothing was deleted');
  } finally {
    rl.close();
  }
}
