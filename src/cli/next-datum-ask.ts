// The light half of `tusk next datum`: asking the worker over its socket and
// turning the datum's variables into shell exports. It imports nothing of the
// CLI framework, so bin/tusk can run `tusk next datum` without loading the
// whole CLI (that costs ~0.5 s a call, and a batching loop calls it per datum).
import { createConnection } from 'node:net';
import { FailedPrecondition, WorkerPeerUnavailable } from '../errors/index.js';

/** Names a POSIX shell can `export`. */
const SHELL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function shellExports(env: Record<string, string>): { text: string; skipped: string[] } {
  const lines: string[] = [];
  const skipped: string[] = [];
  for (const [name, value] of Object.entries(env).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!SHELL_NAME.test(name)) skipped.push(name);
    else lines.push(`export ${name}='${value.replace(/'/g, `'\\''`)}'`);
  }
  return { text: lines.join('\n'), skipped };
}

/** Reports the current datum (failed with `error`) and waits for the next one's variables. */
export function askWorker(socketPath: string, request: { op: 'next'; error?: string }): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath);
    let buffered = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(JSON.stringify(request) + '\n'));
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      const end = buffered.indexOf('\n');
      if (end < 0) return;
      socket.destroy();
      try {
        const reply = JSON.parse(buffered.slice(0, end)) as { env?: Record<string, string>; error?: string };
        if (reply.env) resolve(reply.env);
        else reject(new FailedPrecondition('NextDatumRefused', reply.error ?? 'the worker gave no datum'));
      } catch {
        reject(new WorkerPeerUnavailable('worker socket', 'malformed answer'));
      }
    });
    socket.on('error', (err) => reject(new WorkerPeerUnavailable('worker socket', `${socketPath}: ${err.message}`)));
    socket.on('close', () => reject(new WorkerPeerUnavailable('worker socket', 'the worker closed the connection')));
  });
}

/**
 * `tusk next datum` and `tusk next datum --error MESSAGE` (text output) without the CLI framework:
 * the exit status, or undefined when argv or the environment is anything else (the full CLI then
 * handles it, with its usage errors and messages). Errors print as the full CLI prints them.
 */
export async function fastNextDatum(argv: readonly string[], env: NodeJS.ProcessEnv, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number | undefined> {
  if (argv[0] !== 'next' || argv[1] !== 'datum' || !env.TUSK_WORKER_SOCKET) return undefined;
  let request: { op: 'next'; error?: string };
  if (argv.length === 2) request = { op: 'next' };
  else if (argv.length === 4 && argv[2] === '--error' && !argv[3]!.startsWith('-')) request = { op: 'next', error: argv[3] };
  else return undefined;
  try {
    const vars = await askWorker(env.TUSK_WORKER_SOCKET, request);
    const exports = shellExports(vars);
    if (exports.skipped.length > 0) err.write(`tusk: not exported (not shell names): ${exports.skipped.join(', ')}\n`);
    if (exports.text) out.write(exports.text + '\n');
    return 0;
  } catch (e) {
    err.write(`tusk: ${(e as Error).message.replace(/\s*[\r\n]+\s*/g, ' ').trim()}\n`);
    return 1;
  }
}
