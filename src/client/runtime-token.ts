// How a worker or sidecar receives its pipeline's token from the runtime:
// locally on stdin (TUSK_AUTH_TOKEN_STDIN=1: one line, then end of input), in
// a pod from a mounted secret file (TUSK_AUTH_TOKEN_FILE). Never from an
// environment variable, which user code would inherit.
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';

/** The token, or undefined when the runtime gave none (access control off). */
export async function runtimeToken(env: NodeJS.ProcessEnv, stdin: Readable): Promise<string | undefined> {
  if (env.TUSK_AUTH_TOKEN_FILE) return (await readFile(env.TUSK_AUTH_TOKEN_FILE, 'utf8')).trim() || undefined;
  if (env.TUSK_AUTH_TOKEN_STDIN !== '1') return undefined;
  let text = '';
  for await (const chunk of stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return text.split('\n')[0]!.trim() || undefined;
}
