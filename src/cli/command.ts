// The shape of one CLI command (a file under commands/) and the small helpers
// they share: the `-o table|json|yaml` option every command takes (and
// pachctl's --raw beside it), reading it back, and printing a result as JSON,
// YAML or for people.
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { CliContext, FilesContext } from './context.js';
import { FORMATS, printJson, printYaml, type Format } from './output.js';

export type CommandDef = AnyClientCommandDef | FileCommandDef;

interface CommandShape {
  /** `['create', 'repo']`, `['up']` for a command of one word, `['auth', 'set', 'repo']` for three. */
  words: readonly [string] | readonly [string, string] | readonly [string, string, string];
  /** One line for --help and the command list. */
  summary: string;
  /** Example invocations shown by --help. */
  examples: readonly string[];
}

/**
 * A command that may use every client: loaded before its action runs (the default), or only once it asks for them
 * with ctx.loadClient('all') ('on-demand': `inspect commit` of one commit may need no gRPC client, see local-reads.ts).
 */
interface AnyClientCommandDef extends CommandShape {
  clients?: 'on-demand';
  /** Declares arguments and options and sets the action. */
  define(cmd: Command, ctx: CliContext): void;
}

/**
 * A command that talks to tuskd about repos, commits, branches and files only: given a context without the
 * pipeline and access-control clients, so that only the file-system client's code is loaded when it runs
 * ('files'), or only once the command asks for it with ctx.loadClient() ('files-on-demand': `get file -o`
 * may need no gRPC client at all, see local-gateway.ts).
 */
interface FileCommandDef extends CommandShape {
  clients: 'files' | 'files-on-demand';
  /** Declares arguments and options and sets the action (a property: a define that wants a whole CliContext does not type-check). */
  define: (cmd: Command, ctx: FilesContext) => void;
}

export function outputOption(): Option {
  return new Option('-o, --output <format>', 'output format').choices(FORMATS as string[]).default('table');
}

/** pachctl's `--raw` (its JSON output), added by program.ts beside every `-o table|json|yaml`. */
export function rawOption(): Option {
  return new Option('--raw', 'print JSON, as pachctl --raw does (the same as -o json)').conflicts('output');
}

/** pachctl's `--full-timestamps`: tables show times in full instead of `3 minutes ago`. */
export function fullTimestampsOption(): Option {
  return new Option('--full-timestamps', 'show times in full (ISO 8601, UTC) instead of "3 minutes ago", as pachctl does');
}

/** pachctl's `--description`, its synonym for `-m, --message` on start and finish commit. */
export function descriptionOption(): Option {
  return new Option('--description <text>', 'the same as -m (pachctl\'s synonym)').conflicts('message');
}

/** The description given with -m or --description. */
export function messageOf(opts: { message?: string; description?: string }): string | undefined {
  return opts.message ?? opts.description;
}

/** True for an option made by outputOption() (a format, not get file's local path). */
export function isOutputFormatOption(o: Option): boolean {
  return o.long === '--output' && (o.argChoices ?? []).includes('json');
}

export function formatOf(opts: { output?: string; raw?: boolean }): Format {
  if (opts.raw) return 'json';
  return opts.output === 'json' || opts.output === 'yaml' ? opts.output : 'table';
}

/** Prints `json()` for `-o json` (as YAML for `-o yaml`), else `human()` (nothing when it returns ''). */
export function emit(ctx: FilesContext, format: Format, json: () => unknown, human: () => string): void {
  if (format === 'json') printJson(ctx.stdout, json());
  else if (format === 'yaml') printYaml(ctx.stdout, json());
  else {
    const text = human();
    if (text) ctx.stdout.write(text.endsWith('\n') ? text : text + '\n');
  }
}

/** Collects an async iterable (listings are printed as one table or one JSON array). */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** commander's parser for options that take a count (`-n 5`, `--limit 5`). */
export function positiveInt(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}
