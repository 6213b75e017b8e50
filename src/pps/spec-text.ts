// Spec files as text: YAML (one or more documents separated by "---") or JSON
// (one object, or several objects one after another as `pachctl create pipeline`
// accepts). Turns the text into plain objects, or syntax problems with positions.
// Before parsing, the text is bounded: at most MAX_SPEC_BYTES, text rather than
// binary, and nested at most MAX_SPEC_NESTING levels (brackets and indentation),
// so no spec can exhaust the parsers' stack; YAML is also bounded in tokens and
// checked for repeated keys in one pass, so no spec can hold the daemon's thread
// for long (the YAML parser costs a few µs per token, and its own repeated-key
// check compares every key of a mapping with every other).
import { isScalar, Lexer, parseAllDocuments, visit, type Document } from 'yaml';
import type { SpecProblem } from '../errors/index.js';

export type SpecFormat = 'yaml' | 'json';

export type ParsedDocuments = { ok: true; docs: unknown[] } | { ok: false; problems: SpecProblem[] };

/** Specs are small documents: a few KiB. */
export const MAX_SPEC_BYTES = 4 * 1024 * 1024;
/** A cross of crosses 20 inputs deep is 40 levels; deeper is a mistake or an attack. */
export const MAX_SPEC_NESTING = 64;

/** Parses spec text. Without `format`, text that starts with "{" is read as JSON, falling back to YAML. */
export function parseSpecDocuments(text: string, format?: SpecFormat): ParsedDocuments {
  const problem = specTextProblem(text);
  if (problem) return { ok: false, problems: [{ path: '', problem }] };
  if (format === 'json') return parseJsonStream(text);
  if (format === 'yaml') return parseYaml(text);
  if (/^\s*\{/.test(text)) {
    const json = parseJsonStream(text);
    if (json.ok) return json;
    const yaml = parseYaml(text);
    return yaml.ok ? yaml : json;
  }
  return parseYaml(text);
}

function parseYaml(text: string): ParsedDocuments {
  if (yamlTokensOver(text, MAX_SPEC_YAML_TOKENS)) {
    return { ok: false, problems: [{ path: '', problem: `the spec has over ${MAX_SPEC_YAML_TOKENS} YAML tokens; a pipeline spec has a few hundred (put long scripts in a block scalar "|" or in the image)` }] };
  }
  const problems: SpecProblem[] = [];
  const docs: unknown[] = [];
  for (const doc of parseAllDocuments(text, { uniqueKeys: false, prettyErrors: true })) {
    for (const err of doc.errors) {
      const pos = err.linePos?.[0];
      const where = pos ? ` at line ${pos.line}, column ${pos.col}` : '';
      if (problems.length < MAX_SYNTAX_PROBLEMS) problems.push({ path: '', problem: `YAML syntax error${where}: ${clip(firstLine(err.message).replace(/ at line \d+, column \d+:?$/, ''))}` });
    }
    if (doc.errors.length === 0) {
      const repeated = repeatedKey(doc);
      if (repeated !== undefined) {
        if (problems.length < MAX_SYNTAX_PROBLEMS) problems.push({ path: '', problem: `YAML syntax error at ${lineCol(text, repeated)}: Map keys must be unique` });
      } else if (doc.contents !== null) docs.push(doc.toJS({ maxAliasCount: 100 }));
    }
  }
  return problems.length ? { ok: false, problems } : { ok: true, docs };
}

/** The YAML a spec may hold, in lexer tokens: parsing costs a few µs per token, so this bounds a parse to well under a second. */
export const MAX_SPEC_YAML_TOKENS = 100_000;

/** Whether `text` lexes to more than `max` YAML tokens (stops counting there). */
function yamlTokensOver(text: string, max: number): boolean {
  let n = 0;
  for (const _ of new Lexer().lex(text)) if (++n > max) return true;
  return false;
}

/**
 * The offset of the first key that repeats an earlier key of the same mapping, or undefined. Scalar keys are
 * compared by value in a set per mapping (the parser's own check compares every pair: quadratic in the keys).
 */
function repeatedKey(doc: Document.Parsed): number | undefined {
  let found: number | undefined;
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        if (seen.has(pair.key.value)) {
          found = pair.key.range?.[0] ?? 0;
          return visit.BREAK;
        }
        seen.add(pair.key.value);
      }
      return undefined;
    },
  });
  return found;
}

/** Splits text into top-level JSON values (objects or arrays), each parsed on its own. */
function parseJsonStream(text: string): ParsedDocuments {
  const docs: unknown[] = [];
  let depth = 0;
  let inString = false;
  let escaped = false;
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) {
        const piece = text.slice(start, i + 1);
        try {
          docs.push(JSON.parse(piece));
        } catch (e) {
          // JSON.parse says where it stopped ("at position N" in this object): point there, not at the object's start.
          const message = firstLine((e as Error).message);
          const at = /at position (\d+)/.exec(message);
          const where = at ? start + Number(at[1]) : start;
          return { ok: false, problems: [{ path: '', problem: `JSON syntax error at ${lineCol(text, where)}: ${message.replace(/ in JSON at position \d+.*$/, '')}` }] };
        }
        start = -1;
      }
      if (depth < 0) return { ok: false, problems: [{ path: '', problem: `JSON syntax error at ${lineCol(text, i)}: unexpected "${c}"` }] };
    } else if (depth === 0 && !/\s/.test(c)) {
      return { ok: false, problems: [{ path: '', problem: `JSON syntax error at ${lineCol(text, i)}: expected "{"` }] };
    }
  }
  if (depth > 0 || inString) return { ok: false, problems: [{ path: '', problem: `JSON syntax error at ${lineCol(text, start)}: the object is never closed` }] };
  return { ok: true, docs };
}

function lineCol(text: string, offset: number): string {
  const before = text.slice(0, Math.max(0, offset));
  const line = before.split('\n').length;
  const col = offset - before.lastIndexOf('\n');
  return `line ${line}, column ${col}`;
}

/** Syntax problems reported at once: the first ones say what is wrong; hundreds say nothing more. */
const MAX_SYNTAX_PROBLEMS = 5;

/** A parser's message quotes the input it choked on; a line of it is enough. */
function clip(s: string): string {
  return s.length > 160 ? s.slice(0, 160) + '…' : s;
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

/** Why `text` cannot be a spec before it is even parsed: too large, binary, or nested too deeply. */
export function specTextProblem(text: string): string | undefined {
  if (text.length > MAX_SPEC_BYTES) return `the spec is ${text.length} characters long; at most ${MAX_SPEC_BYTES} are accepted`;
  const binary = /[\u0000-\u0008\u000e-\u001f\ufffd]/.exec(text);
  if (binary) {
    const what = binary[0] === '\ufffd' ? 'bytes that are not UTF-8' : `the control character U+${binary[0].charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}`;
    return `the spec is not text (${what} at ${lineCol(text, binary.index)}); is it a binary file?`;
  }
  const deep = deepestNesting(text);
  if (deep) return `the spec nests deeper than ${MAX_SPEC_NESTING} levels at ${lineCol(text, deep)}`;
  return undefined;
}

/**
 * The offset where nesting first passes MAX_SPEC_NESTING, or 0. Counts JSON and
 * YAML flow brackets outside quoted strings, plus YAML block levels (each
 * deeper indentation, and each "- " that opens a list item on the same line).
 */
function deepestNesting(text: string): number {
  const indents: number[] = [];
  let brackets = 0;
  let quote = '';
  let lineStart = true;
  let indent = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = '';
      else if (c === '\n' && quote === "'") quote = ''; // a YAML single quote is a plain character at the end of a line
      continue;
    }
    if (c === '\n') {
      lineStart = true;
      indent = 0;
      continue;
    }
    if (lineStart) {
      if (c === ' ') {
        indent++;
        continue;
      }
      if (c === '#' || c === '\r') continue;
      lineStart = false;
      while (indents.length > 0 && indents[indents.length - 1]! >= indent) indents.pop();
      indents.push(indent);
      let j = i;
      while (text[j] === '-' && text[j + 1] === ' ') {
        indents.push(indent + j - i + 1);
        j += 2;
      }
      if (indents.length + brackets > MAX_SPEC_NESTING) return i;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '{' || c === '[') {
      if (++brackets + indents.length > MAX_SPEC_NESTING) return i;
    } else if (c === '}' || c === ']') brackets = Math.max(0, brackets - 1);
  }
  return 0;
}
