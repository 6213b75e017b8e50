// Reading the raw (parsed YAML/JSON) spec object field by field: snake_case and
// camelCase spellings of one field, protojson's leniencies (null = unset,
// integers given as strings), and a list of problems that each name the field
// path as the user wrote it. No knowledge of what the fields mean lives here.
import type { SpecProblem } from '../errors/index.js';
import { durationProblem, parseDuration } from './duration.js';

/** A field present in the spec: its value and its path as written (`input.cross[1].pfs.glob`). */
export interface Field {
  readonly path: string;
  readonly value: unknown;
}

/** The fields of one object, by canonical snake_case name; absent and null fields are missing. */
export type Fields = ReadonlyMap<string, Field>;

export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent ? `${parent}.${key}` : key;
}

/** `join_on` → `joinOn`. */
export function camelCase(snake: string): string {
  return snake.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/**
 * The accepted spelling closest to a misspelt field name (`paralelism_spec` → `parallelism_spec`), ignoring case:
 * at most 1 edit for names of up to 4 characters, 2 for longer ones; undefined when none is that close.
 */
export function nearestName(key: string, names: readonly string[]): string | undefined {
  const limit = key.length <= 4 ? 1 : 2;
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const name of names) {
    if (Math.abs(name.length - key.length) > limit) continue;
    const d = editDistance(key.toLowerCase(), name.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  return best;
}

/** Levenshtein distance (insertions, deletions, substitutions), for short field names. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[b.length]!;
}

export class SpecReader {
  readonly problems: SpecProblem[] = [];

  add(path: string, problem: string): void {
    this.problems.push({ path, problem });
  }

  /**
   * Reads the fields of an object. `allowed` are snake_case names (each also accepted in
   * camelCase); `aliases` maps other accepted spellings to a name in `allowed`. Unknown fields,
   * a field given twice (as join_on and joinOn) and a non-object are reported.
   */
  object(value: unknown, path: string, allowed: readonly string[], aliases: Readonly<Record<string, string>> = {}): Map<string, Field> | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.add(path || 'spec', `must be an object, not ${describe(value)}`);
      return undefined;
    }
    const spelling = new Map<string, string>();
    for (const name of allowed) {
      spelling.set(name, name);
      spelling.set(camelCase(name), name);
    }
    for (const [alias, name] of Object.entries(aliases)) spelling.set(alias, name);
    const out = new Map<string, Field>();
    const firstKey = new Map<string, string>();
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      const p = childPath(path, key);
      const name = spelling.get(key);
      if (name === undefined) {
        const near = nearestName(key, [...spelling.keys()]);
        this.add(p, near ? `unknown field (did you mean ${near}?)` : 'unknown field');
        continue;
      }
      const earlier = firstKey.get(name);
      if (earlier !== undefined) {
        this.add(p, `given twice (as ${earlier} and ${key})`);
        continue;
      }
      firstKey.set(name, key);
      if (v === null || v === undefined) continue;
      out.set(name, { path: p, value: v });
    }
    return out;
  }

  required(fields: Fields, name: string, parentPath: string): Field | undefined {
    const f = fields.get(name);
    if (!f) this.add(childPath(parentPath, name), 'required');
    return f;
  }

  string(f: Field | undefined): string | undefined {
    if (!f) return undefined;
    if (typeof f.value === 'string') return f.value;
    this.add(f.path, `must be a string, not ${describe(f.value)}`);
    return undefined;
  }

  /** A non-empty string. */
  nonEmpty(f: Field | undefined): string | undefined {
    const s = this.string(f);
    if (s === '') {
      this.add(f!.path, 'must not be empty');
      return undefined;
    }
    return s;
  }

  boolean(f: Field | undefined): boolean | undefined {
    if (!f) return undefined;
    if (typeof f.value === 'boolean') return f.value;
    this.add(f.path, `must be true or false, not ${describe(f.value)}`);
    return undefined;
  }

  /** A whole number at least `min`; protojson also accepts int64 values as decimal strings. */
  integer(f: Field | undefined, min = 0): number | undefined {
    if (!f) return undefined;
    let n: number | undefined;
    if (typeof f.value === 'number') n = f.value;
    else if (typeof f.value === 'string' && /^-?\d+$/.test(f.value.trim())) n = Number(f.value);
    if (n === undefined || !Number.isSafeInteger(n)) {
      this.add(f.path, `must be a whole number, not ${describe(f.value)}`);
      return undefined;
    }
    if (n < min) {
      this.add(f.path, `must be at least ${min}, not ${n}`);
      return undefined;
    }
    return n;
  }

  /** A non-negative number (cpu); numeric strings accepted as protojson does. */
  number(f: Field | undefined): number | undefined {
    if (!f) return undefined;
    let n: number | undefined;
    if (typeof f.value === 'number') n = f.value;
    else if (typeof f.value === 'string' && f.value.trim() !== '' && Number.isFinite(Number(f.value))) n = Number(f.value);
    if (n === undefined || !Number.isFinite(n) || n < 0) {
      this.add(f.path, `must be a non-negative number, not ${describe(f.value)}`);
      return undefined;
    }
    return n;
  }

  list(f: Field | undefined): Field[] | undefined {
    if (!f) return undefined;
    if (!Array.isArray(f.value)) {
      this.add(f.path, `must be a list, not ${describe(f.value)}`);
      return undefined;
    }
    return f.value.map((value, i) => ({ path: childPath(f.path, i), value }));
  }

  stringList(f: Field | undefined): string[] | undefined {
    const items = this.list(f);
    if (!items) return undefined;
    const out: string[] = [];
    let ok = true;
    for (const item of items) {
      const s = this.string(item);
      if (s === undefined) ok = false;
      else out.push(s);
    }
    return ok ? out : undefined;
  }

  integerList(f: Field | undefined, min = 0): number[] | undefined {
    const items = this.list(f);
    if (!items) return undefined;
    const out: number[] = [];
    let ok = true;
    for (const item of items) {
      const n = this.integer(item, min);
      if (n === undefined) ok = false;
      else out.push(n);
    }
    return ok ? out : undefined;
  }

  /** A map of strings (env, labels); numbers and booleans are taken as their text. */
  stringMap(f: Field | undefined): Record<string, string> | undefined {
    if (!f) return undefined;
    const v = f.value;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      this.add(f.path, `must be a map of names to strings, not ${describe(v)}`);
      return undefined;
    }
    const out: Record<string, string> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (typeof x === 'string') out[k] = x;
      else if (typeof x === 'number' || typeof x === 'boolean') out[k] = String(x);
      else if (x === null) out[k] = '';
      else this.add(childPath(f.path, k), `must be a string, not ${describe(x)}`);
    }
    return out;
  }

  /** A Go/protobuf duration string, in milliseconds. */
  duration(f: Field | undefined): number | undefined {
    if (!f) return undefined;
    if (typeof f.value === 'string') {
      const ms = parseDuration(f.value);
      if (ms !== undefined) return ms;
    }
    this.add(f.path, durationProblem(f.value));
    return undefined;
  }

  /** One of a fixed set of strings. */
  oneOf<T extends string>(f: Field | undefined, choices: readonly T[]): T | undefined {
    const s = this.string(f);
    if (s === undefined) return undefined;
    if ((choices as readonly string[]).includes(s)) return s as T;
    this.add(f!.path, `must be one of ${choices.map((c) => JSON.stringify(c)).join(', ')}, not ${JSON.stringify(s)}`);
    return undefined;
  }
}
