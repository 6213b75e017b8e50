// Pipeline spec files as `create|update|validate pipeline -f` reads them: the
// text of a file, of an http(s) URL, or of standard input (`-f -`), and a file of several specs (YAML
// documents separated by `---`, or JSON objects one after another, as pachctl
// accepts) cut into one text per spec, or the specs a Jsonnet template gives
// (jsonnet.ts). The daemon parses and validates each.
import { readFile, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { Pipeline } from '../client/index.js';
import { InvalidArgument, InvalidSpec, TuskError, isTuskError } from '../errors/index.js';
import { parseSpecDocuments, specTextProblem } from '../pps/spec-text.js';
import type { PipelineSpec } from '../pps/spec.js';
import { specWarnings } from '../pps/spec-warnings.js';
import { localError } from './local-files.js';
import { usageError } from './usage.js';

/** Specs are small documents; this bounds what is read from a pipe by mistake. */
const MAX_SPEC_BYTES = 16 * 1024 * 1024;

/** How a command names its specs: `-f FILE|URL|-`, or a Jsonnet template with its arguments (pachctl's --jsonnet, --arg). */
export interface SpecSource {
  file?: string;
  jsonnet?: string;
  arg?: string[];
}

/** The spec texts `-f` or `--jsonnet` give, one per spec, in order. */
export async function specTextsOf(source: SpecSource, stdin: Readable): Promise<string[]> {
  if (!source.file === !source.jsonnet) throw usageError('give the specs with either -f FILE or --jsonnet TEMPLATE');
  if (source.file) {
    if (source.arg?.length) throw usageError('--arg goes with --jsonnet TEMPLATE');
    return splitSpecs(await readSpecText(source.file, stdin));
  }
  const { evaluateTemplate, templateArgs } = await import('./jsonnet.js');
  const args = templateArgs(source.arg ?? []);
  const file = source.jsonnet!;
  const local = file !== '-' && !/^https?:\/\//i.test(file);
  const template = local ? { path: file } : { text: await readText(file, stdin), name: file === '-' ? 'standard input' : file };
  if (local) await stat(file).catch((err) => Promise.reject(localError(file, err))); // a missing file named as -f names it
  return evaluateTemplate(template, args, { maxBytes: MAX_SPEC_BYTES });
}

/** The one spec a command that previews a single pipeline takes (`impact -f`, `list datum -f`). */
export async function oneSpecText(file: string, stdin: Readable, command: string): Promise<string> {
  const texts = splitSpecs(await readSpecText(file, stdin));
  if (texts.length !== 1) throw new InvalidArgument('OneSpecOnly', `${file} holds ${texts.length} specs; ${command} takes one`);
  return texts[0]!;
}

/** The text of a spec file (or of standard input for "-"). Throws InvalidSpec naming the file when it cannot be a spec (binary, too large, nested too deeply). */
export async function readSpecText(file: string, stdin: Readable): Promise<string> {
  const text = await readText(file, stdin);
  const problem = text.trim() === '' ? 'the spec is empty' : specTextProblem(text);
  if (problem) throw new InvalidSpec([{ path: '', problem: `${file === '-' ? 'standard input' : file}: ${problem}` }]);
  return text;
}

async function readText(file: string, stdin: Readable): Promise<string> {
  if (/^https?:\/\//i.test(file)) return fetchSpec(file);
  if (file !== '-') {
    try {
      return await readFile(file, 'utf8');
    } catch (err) {
      throw localError(file, err);
    }
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin as AsyncIterable<Buffer | string>) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buf.length;
    if (size > MAX_SPEC_BYTES) throw localError('standard input', new Error(`a spec larger than ${MAX_SPEC_BYTES} bytes`));
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A spec at an http(s) URL (as pachctl reads its examples from GitHub); a status other than 2xx is an error naming it. */
async function fetchSpec(url: string): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'follow' });
  } catch (err) {
    throw localError(url, new Error(`cannot fetch: ${((err as Error).cause as Error | undefined)?.message ?? (err as Error).message}`));
  }
  if (!res.ok) throw localError(url, new Error(`HTTP ${res.status} ${res.statusText}`));
  const length = Number(res.headers.get('content-length') ?? 0);
  if (length > MAX_SPEC_BYTES) throw localError(url, new Error(`a spec larger than ${MAX_SPEC_BYTES} bytes`));
  const text = await res.text();
  if (text.length > MAX_SPEC_BYTES) throw localError(url, new Error(`a spec larger than ${MAX_SPEC_BYTES} bytes`));
  return text;
}

/**
 * One text per spec. A file of one spec, and text that does not parse (the
 * daemon reports its syntax error with line numbers), are sent as they are;
 * specs of a multi-spec file are sent one by one as JSON.
 */
export function splitSpecs(text: string): string[] {
  const parsed = parseSpecDocuments(text);
  if (!parsed.ok || parsed.docs.length <= 1) return [text];
  return parsed.docs.map((doc) => JSON.stringify(doc));
}

/** The pipeline name a spec text gives, for messages; '' when it has none. */
export function specName(text: string): string {
  const parsed = parseSpecDocuments(text);
  if (!parsed.ok || parsed.docs.length !== 1) return '';
  const pipeline = (parsed.docs[0] as { pipeline?: { name?: unknown } } | null)?.pipeline;
  return typeof pipeline?.name === 'string' ? pipeline.name : '';
}

/**
 * Sends each spec of `text` in order (so a later spec may read an earlier one's
 * output). An error in a multi-spec file names the spec; the ones before it
 * stay created.
 */
export async function sendSpecs(texts: readonly string[], send: (text: string) => Promise<Pipeline>): Promise<Pipeline[]> {
  const done: Pipeline[] = [];
  for (const [i, text] of texts.entries()) {
    try {
      done.push(await send(text));
    } catch (err) {
      if (texts.length === 1 || !isTuskError(err)) throw err;
      const name = specName(text);
      throw new TuskError(err.kind, err.code, `spec ${i + 1} of ${texts.length}${name ? ` (${name})` : ''}: ${err.message}`, { ...err.data });
    }
  }
  return done;
}

/** One stderr line per spec field this runtime accepts but does not honour (spec-warnings.ts). */
export function warnIgnored(stderr: { write(s: string): unknown }, pipelines: readonly Pipeline[]): void {
  for (const p of pipelines) {
    for (const line of specWarnings(JSON.parse(p.specJson) as PipelineSpec)) stderr.write(`tusk: warning: pipeline ${p.name}: ${line}\n`);
  }
}
