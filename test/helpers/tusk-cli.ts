// Runs the real, built `tusk` (bin/tusk) as a child process and collects its
// exit status and output, the way a user's shell would see them.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ROOT } from './daemon.js';

export const TUSK = join(ROOT, 'bin/tusk');

export interface TuskRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout as bytes (binary files from get file). */
  raw: Buffer;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  /** Bytes for standard input (default: none, stdin closed). */
  input?: string | Buffer;
  cwd?: string;
  timeoutMs?: number;
}

export function tusk(args: readonly string[], options: RunOptions = {}): Promise<TuskRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TUSK, ...args], { env: options.env ?? process.env, cwd: options.cwd ?? ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const raw = Buffer.concat(out);
      resolve({ code, stdout: raw.toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), raw });
    });
    child.stdin.on('error', () => {}); // the command may not read its input
    child.stdin.end(options.input ?? '');
  });
}

/** Runs tusk with `-o json` appended, expects exit 0, and parses the one JSON document. */
export async function tuskJson<T = any>(args: readonly string[], options: RunOptions = {}): Promise<T> {
  const run = await tusk([...args, '-o', 'json'], options);
  if (run.code !== 0) throw new Error(`tusk ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

/** A failed command as users see it: exit 1 and exactly one line `tusk: ...` on stderr, matching `pattern`. */
export function expectError(res: { code: number | null; stderr: string }, pattern: RegExp): void {
  expect(res.code, res.stderr).toBe(1);
  expect(res.stderr).toMatch(/^tusk: [^\n]+\n$/);
  expect(res.stderr).toMatch(pattern);
}
