// Pipeline templates in Jsonnet, as pachctl's `create|update pipeline --jsonnet
// FILE --arg NAME=VALUE` takes them: the template is evaluated by the `jsonnet`
// command (the C++ or the Go implementation; Debian and Ubuntu: `apt-get
// install jsonnet`, macOS: `brew install jsonnet`) with each --arg as a
// top-level string argument, and gives one spec or an array of specs. Tusk
// evaluates on the client, where pachd evaluates on the server: the template's
// imports resolve beside the file, and the daemon sees plain JSON specs.
import { spawn } from 'node:child_process';
import { FailedPrecondition, InvalidSpec } from '../errors/index.js';
import { usageError } from './usage.js';

/** A template: a local file (imports resolve beside it) or its text (from a URL or standard input). */
export type JsonnetSource = { path: string } | { text: string; name: string };

export interface JsonnetOptions {
  /** The jsonnet command (default: `jsonnet` on PATH). */
  command?: string;
  /** Largest output read (bytes). */
  maxBytes: number;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** `NAME=VALUE` pairs of --arg, checked: a name is a Jsonnet identifier. */
export function templateArgs(pairs: readonly string[]): [string, string][] {
  return pairs.map((pair) => {
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq);
    if (eq < 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw usageError(`--arg ${JSON.stringify(pair)}: expected NAME=VALUE, NAME a Jsonnet identifier`);
    return [name, pair.slice(eq + 1)];
  });
}

/** The spec texts (JSON) a template gives with these arguments, in order. */
export async function evaluateTemplate(source: JsonnetSource, args: readonly [string, string][], options: JsonnetOptions): Promise<string[]> {
  const name = 'path' in source ? source.path : source.name;
  const output = await runJsonnet(source, args, options, name);
  let value: unknown;
  try {
    value = JSON.parse(output);
  } catch {
    throw new InvalidSpec([{ path: '', problem: `${name}: the template did not give JSON` }]);
  }
  const specs = Array.isArray(value) ? value : [value];
  if (specs.length === 0) throw new InvalidSpec([{ path: '', problem: `${name}: the template gives an empty list of specs` }]);
  for (const [i, spec] of specs.entries()) {
    if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
      throw new InvalidSpec([{ path: '', problem: `${name}: ${specs.length > 1 ? `item ${i + 1} of the template's list` : 'the template'} is not a pipeline spec (an object)` }]);
    }
  }
  return specs.map((spec) => JSON.stringify(spec));
}

function runJsonnet(source: JsonnetSource, args: readonly [string, string][], options: JsonnetOptions, name: string): Promise<string> {
  const command = options.command ?? 'jsonnet';
  const argv = [...args.flatMap(([k, v]) => ['--tla-str', `${k}=${v}`]), 'path' in source ? source.path : '-'];
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { stdio: ['pipe', 'pipe', 'pipe'], env: options.env ?? process.env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let failure: Error | undefined;
    const stop = (e: Error) => {
      failure ??= e;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => stop(new InvalidSpec([{ path: '', problem: `${name}: the template took longer than ${Math.round((options.timeoutMs ?? 30_000) / 1000)} s to evaluate` }])), options.timeoutMs ?? 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > options.maxBytes) stop(new InvalidSpec([{ path: '', problem: `${name}: the template gives more than ${options.maxBytes} bytes` }]));
      else out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (err.reduce((n, b) => n + b.length, 0) < 64 * 1024) err.push(chunk);
    });
    child.stdin.on('error', () => {}); // the command may exit before reading all of it; its exit says why
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (e.code === 'ENOENT') {
        reject(new FailedPrecondition('JsonnetMissing', `--jsonnet needs the jsonnet command, which is not on PATH (Debian/Ubuntu: apt-get install jsonnet; macOS: brew install jsonnet)`));
      } else reject(new FailedPrecondition('JsonnetFailed', `cannot run ${command}: ${e.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (failure) return reject(failure);
      if (code !== 0) return reject(new InvalidSpec([{ path: '', problem: `${name}: ${jsonnetProblem(Buffer.concat(err).toString('utf8'), source)}` }]));
      resolve(Buffer.concat(out).toString('utf8'));
    });
    child.stdin.end('text' in source ? source.text : '');
  });
}

/** One line from jsonnet's error output: its first line, and where, when the next line says. */
export function jsonnetProblem(stderr: string, source: JsonnetSource): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  if (lines.length === 0) return 'the template failed to evaluate';
  let first = lines[0]!.replace(/^(RUNTIME|STATIC) ERROR: /, '');
  if ('text' in source) first = first.replaceAll('<stdin>', source.name);
  const where = lines[1]?.match(/^(\S+:\d+:\d+(?:-\d+)?)/)?.[1];
  return where && !first.includes(where) ? `${first} (at ${'text' in source ? where.replace('<stdin>', source.name) : where})` : first;
}
