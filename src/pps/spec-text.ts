// Spec files as text: YAML (one or more documents separated by "---") or JSON
// (one object, or several objects one after another as `pachctl create pipeline`
// accepts). Turns the text into plain objects, or syntax problems with positions.
import { parseAllDocuments } from 'yaml';
import type { SpecProblem } from '../errors/index.js';

export type SpecFormat = 'yaml' | 'json';

export type ParsedDocuments = { ok: true; docs: unknown[] } | { ok: false; problems: SpecProblem[] };

/** Parses spec text. Without `format`, text that starts with "{" is read as JSON, falling back to YAML. */
export function parseSpecDocuments(text: string, format?: SpecFormat): ParsedDocuments {
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
  const problems: SpecProblem[] = [];
  const docs: unknown[] = [];
  for (const doc of parseAllDocuments(text, { uniqueKeys: true, prettyErrors: true })) {
    for (const err of doc.errors) {
      const pos = err.linePos?.[0];
      const where = pos ? ` at line ${pos.line}, column ${pos.col}` : '';
      problems.push({ path: '', problem: `YAML syntax error${where}: ${firstLine(err.message).replace(/ at line \d+, column \d+:?$/, '')}` });
    }
    if (doc.errors.length === 0 && doc.contents !== null) docs.push(doc.toJS({ maxAliasCount: 100 }));
  }
  return problems.length ? { ok: false, problems } : { ok: true, docs };
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

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}
