// RFC 6902 JSON patch and RFC 7386 JSON merge patch over plain JSON values, as
// Pachyderm applies a spec's pod_patch and pod_spec to the pod it generates.
// Pure: returns a new value, never changes its argument; a failing operation
// throws PatchError saying which operation (by index) and why.
import type { JsonPatchOp } from '../../pps/index.js';

export class PatchError extends Error {
  constructor(
    readonly index: number,
    message: string,
  ) {
    super(message);
  }
}

type PatchOp = JsonPatchOp;

type Json = unknown;

export function applyJsonPatch(doc: Json, ops: readonly PatchOp[]): Json {
  let out = structuredClone(doc);
  ops.forEach((op, i) => {
    try {
      out = applyOne(out, op);
    } catch (err) {
      throw new PatchError(i, `${op.op} ${op.path}: ${(err as Error).message}`);
    }
  });
  return out;
}

/** RFC 7386: objects merge key by key, null deletes, anything else replaces. */
export function applyMergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}

function applyOne(doc: Json, op: PatchOp): Json {
  switch (op.op) {
    case 'add':
      return add(doc, parsePointer(op.path), structuredClone(op.value));
    case 'remove':
      return remove(doc, parsePointer(op.path)).doc;
    case 'replace': {
      const tokens = parsePointer(op.path);
      get(doc, tokens);
      return add(remove(doc, tokens).doc, tokens, structuredClone(op.value));
    }
    case 'move': {
      const from = parsePointer(op.from ?? '');
      if (op.path.startsWith(`${op.from}/`)) throw new Error('cannot move a value into itself');
      const { doc: rest, value } = remove(doc, from);
      return add(rest, parsePointer(op.path), value);
    }
    case 'copy':
      return add(doc, parsePointer(op.path), structuredClone(get(doc, parsePointer(op.from ?? ''))));
    case 'test': {
      const actual = get(doc, parsePointer(op.path));
      if (!deepEqual(actual, op.value)) throw new Error(`test failed: the value is ${JSON.stringify(actual)}`);
      return doc;
    }
  }
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`"${pointer}" is not a JSON pointer`);
  return pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function get(doc: Json, tokens: readonly string[]): Json {
  let cur = doc;
  for (const t of tokens) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(cur, t, false)];
    else if (isObject(cur) && Object.hasOwn(cur, t)) cur = cur[t];
    else throw new Error(`no value at "${t}"`);
  }
  return cur;
}

function add(doc: Json, tokens: readonly string[], value: Json): Json {
  if (tokens.length === 0) return value;
  const parent = get(doc, tokens.slice(0, -1));
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) parent.splice(last === '-' ? parent.length : arrayIndex(parent, last, true), 0, value);
  else if (isObject(parent)) parent[last] = value;
  else throw new Error(`the parent of "${last}" is not an object or a list`);
  return doc;
}

function remove(doc: Json, tokens: readonly string[]): { doc: Json; value: Json } {
  if (tokens.length === 0) return { doc: undefined, value: doc };
  const parent = get(doc, tokens.slice(0, -1));
  const last = tokens[tokens.length - 1]!;
  let value: Json;
  if (Array.isArray(parent)) value = parent.splice(arrayIndex(parent, last, false), 1)[0];
  else if (isObject(parent) && Object.hasOwn(parent, last)) {
    value = parent[last];
    delete parent[last];
  } else throw new Error(`no value at "${last}"`);
  return { doc, value };
}

function arrayIndex(list: readonly Json[], token: string, forInsert: boolean): number {
  if (!/^(0|[1-9]\d*)$/.test(token)) throw new Error(`"${token}" is not a list index`);
  const i = Number(token);
  if (i > list.length || (!forInsert && i === list.length)) throw new Error(`index ${i} is past the end of a list of ${list.length}`);
  return i;
}

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepEqual(a: Json, b: Json): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(v: Json): Json {
  if (Array.isArray(v)) return v.map(canonical);
  if (isObject(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]));
  return v;
}
