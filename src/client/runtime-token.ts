// How a worker or sidecar receives its pipeline's token from the runtime:
// locally on file descriptor 3 (TUSK_AUTH_TOKEN_FD=3: one line, then end of
// input; stdin is the daemon's lifeline), in a pod from a mounted secret file
// (TUSK_AUTH_TOKEN_FILE; absent while access control is off). Never from an environment variable, which user code
// would inherit.
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';

/** The token, or undefined when the runtime gave none (access control off). */
export async function runtimeToken(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if (env.TUSK_AUTH_TOKEN_FILE) {
    // In a pod the Secret is an optional volume: no file means access control is off.
    const text = await readFile(env.TUSK_AUTH_TOKEN_FILE, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return '';
      throw err;
    });
    return text.trim() || undefined;
  }
  const fd = Number(env.TUSK_AUTH_TOKEN_FD);
  if (!Number.isInteger(fd) || fd < 3) return undefined;
  let text = '';
  for await (const chunk of createReadStream('', { fd, encoding: 'utf8' })) text += String(chunk);
  return text.split('\n')[0]!.trim() || undefined;
}
