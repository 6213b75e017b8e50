// Datum planning: from a pipeline's input tree and the files of each input's
// commit, the job's datums. Pure apart from reading the listings it is handed.
//
// As in Pachyderm: each path a pfs/cron glob matches (a file or a directory;
// "/" is the root) is one element holding every file at or under it. cross =
// every combination of its children's datums; union = all of them, one after
// another; join = the elements of its pfs inputs whose join_on keys are equal,
// crossed together (an input with outer_join also keeps its unmatched keys);
// group = every element with the same group_by key, across the group's inputs,
// in ONE datum. Order is deterministic (paths and keys in code-unit order), and a
// datum whose ID was already produced (a union over the same files twice) is
// listed once.
import { getHeapStatistics } from 'node:v8';
import { TooManyDatums } from '../errors/index.js';
import { datumIdFromDigests, elementDigest, transformHash } from './datum-id.js';
import { compileDatumGlob, expandCaptures } from './glob.js';
import { TimeSlice } from '../tree/index.js';
import type { InputFile, ResolveInput } from './input-files.js';
import type { Input, LeafInput, PfsInput, PipelineSpec } from './spec.js';

/** One input's part of a datum: what the sidecar materialises under /pfs/<name>. */
export interface DatumInput {
  readonly name: string;
  readonly repo: string;
  readonly branch: string;
  readonly commit: string;
  readonly glob: string;
  /** The path the glob matched ("/" for the root); the env variable <name> points at /pfs/<name><path>. */
  readonly path: string;
  /** Every file at or under `path`, in path order, with full paths. */
  readonly files: readonly InputFile[];
  /** The join key, for TUSK_DATUM_<name>_JOIN_ON. */
  readonly joinOn?: string;
  /** The group key, for TUSK_DATUM_<name>_GROUP_BY. */
  readonly groupBy?: string;
  readonly lazy: boolean;
  readonly emptyFiles: boolean;
}

export interface Datum {
  /** See datum-id.ts. */
  readonly id: string;
  readonly inputs: readonly DatumInput[];
}

type Element = DatumInput;

/**
 * The most datums one job plans. A planned datum holds ~0.5 KB of heap (1M datums: ~560 MB at the peak), so a
 * cross of a few large inputs (10 inputs of 10 files: 10^10) would exhaust the heap and kill the daemon; it
 * fails its job instead (TooManyDatums). One datum per 2 KiB of this process's heap limit: ~2M at 4 GiB.
 */
export const MAX_JOB_DATUMS = Math.floor(getHeapStatistics().heap_size_limit / 2048);

/** The datums of one job (at most `limit`, else TooManyDatums). An input commit with no matching files contributes no datums. */
export async function planDatums(spec: Pick<PipelineSpec, 'input' | 'transform' | 'salt'>, resolve: ResolveInput, limit = MAX_JOB_DATUMS): Promise<Datum[]> {
  const combos = await datumsOf(spec.input, { resolve, captures: new Map(), limit });
  const transform = transformHash(spec);
  const digests = new Map<DatumInput, string>();
  const digestOf = (e: DatumInput) => {
    let d = digests.get(e);
    if (d === undefined) {
      d = elementDigest(e);
      digests.set(e, d);
    }
    return d;
  };
  const seen = new Set<string>();
  const out: Datum[] = [];
  for (const inputs of combos) {
    const id = datumIdFromDigests(transform, inputs.map(digestOf));
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({ id, inputs });
  }
  return out;
}

/** What the planning of one job carries around: the resolver, and each element's glob captures ([0] the path). */
interface Planning {
  readonly resolve: ResolveInput;
  readonly captures: Map<DatumInput, readonly string[]>;
  readonly limit: number;
}

/** Refuses a cross of datum counts whose product is over the limit, before it is built. */
function checkCross(factors: readonly number[], limit: number): void {
  const product = factors.reduce((n, f) => n * f, 1);
  if (product > limit) throw new TooManyDatums(product, limit, `a cross of ${factors.map((n) => n.toLocaleString('en-US')).join(' × ')}`);
}

async function datumsOf(input: Input, ctx: Planning): Promise<Element[][]> {
  switch (input.type) {
    case 'pfs':
    case 'cron':
      return (await elementsOf(input, ctx)).map((e) => [e]);
    case 'union': {
      const out: Element[][] = [];
      for (const child of input.inputs) {
        const part = await datumsOf(child, ctx);
        if (out.length + part.length > ctx.limit) throw new TooManyDatums(out.length + part.length, ctx.limit, 'a union');
        out.push(...part);
      }
      return out;
    }
    case 'cross': {
      const parts: Element[][][] = [];
      for (const child of input.inputs) {
        const next = await datumsOf(child, ctx);
        if (next.length === 0) return [];
        parts.push(next);
      }
      checkCross(parts.map((p) => p.length), ctx.limit);
      let acc: Element[][] = [[]];
      for (const next of parts) acc = acc.flatMap((a) => next.map((b) => [...a, ...b]));
      return acc;
    }
    case 'join':
      return join(input.inputs, await keyedElements(input.inputs, 'joinOn', ctx), ctx.limit);
    case 'group':
      return group(await keyedElements(input.inputs, 'groupBy', ctx));
  }
}

/** For each pfs input, its elements keyed by the filled-in join_on / group_by template. */
async function keyedElements(inputs: readonly PfsInput[], field: 'joinOn' | 'groupBy', ctx: Planning): Promise<Map<string, Element[]>[]> {
  const out: Map<string, Element[]>[] = [];
  for (const input of inputs) {
    const byKey = new Map<string, Element[]>();
    for (const e of await elementsOf(input, ctx)) {
      const key = expandCaptures(input[field] ?? '', ctx.captures.get(e) ?? [e.path]);
      const keyed: Element = { ...e, [field]: key };
      const list = byKey.get(key);
      if (list) list.push(keyed);
      else byKey.set(key, [keyed]);
    }
    out.push(byKey);
  }
  return out;
}

function join(inputs: readonly PfsInput[], keyed: Map<string, Element[]>[], limit: number): Element[][] {
  const keys = sortedKeys(keyed);
  const out: Element[][] = [];
  for (const key of keys) {
    const present = keyed.map((m, i) => ({ i, list: m.get(key) ?? [] })).filter((x) => x.list.length > 0);
    const complete = present.length === keyed.length;
    if (!complete && !present.some((x) => inputs[x.i]!.outerJoin)) continue;
    const combos = present.reduce((n, x) => n * x.list.length, 1); // the elements of one key are crossed
    if (out.length + combos > limit) throw new TooManyDatums(out.length + combos, limit, `a join whose key ${JSON.stringify(key)} matches ${present.map((x) => x.list.length).join(' × ')} elements`);
    let acc: Element[][] = [[]];
    for (const { list } of present) acc = acc.flatMap((a) => list.map((e) => [...a, e]));
    out.push(...acc);
  }
  return out;
}

function group(keyed: Map<string, Element[]>[]): Element[][] {
  return sortedKeys(keyed).map((key) => keyed.flatMap((m) => m.get(key) ?? []));
}

function sortedKeys(keyed: Map<string, Element[]>[]): string[] {
  const keys = new Set<string>();
  for (const m of keyed) for (const k of m.keys()) keys.add(k);
  return [...keys].sort(compare);
}

/** The elements of a leaf input: one per matched path, in path order. */
async function elementsOf(input: LeafInput, ctx: Planning): Promise<Element[]> {
  const commit = await ctx.resolve(input);
  const glob = compileDatumGlob(input.glob);
  const matched = new Map<string, { captures: string[]; files: InputFile[] }>();
  const tried = new Map<string, string[] | null>();
  const slice = new TimeSlice();
  const pause = () => slice.pause();
  const tryPath = async (p: string, file: InputFile) => {
    let captures = tried.get(p);
    if (captures === undefined) {
      await slice.pause();
      captures = (await glob.matchAsync(p, pause)) ?? null;
      tried.set(p, captures);
    }
    if (!captures) return;
    const m = matched.get(p);
    if (m) m.files.push(file);
    else matched.set(p, { captures, files: [file] });
  };
  for await (const file of commit.files.files(glob.base)) {
    if (glob.isRoot) {
      await tryPath('/', file);
      continue;
    }
    if (glob.depth !== undefined) {
      const p = prefixOf(file.path, glob.depth);
      if (p !== undefined) await tryPath(p, file);
      continue;
    }
    for (let d = 1; ; d++) {
      const p = prefixOf(file.path, d);
      if (p === undefined) break;
      await tryPath(p, file);
      if (p.length === file.path.length) break;
    }
  }
  const paths = [...matched.keys()].sort(compare);
  return paths.map((path) => {
    const m = matched.get(path)!;
    const element: Element = {
      name: input.name,
      repo: commit.repo,
      branch: commit.branch,
      commit: commit.commit,
      glob: glob.pattern,
      path,
      files: m.files.sort((a, b) => compare(a.path, b.path)),
      lazy: input.lazy,
      emptyFiles: input.emptyFiles,
    };
    ctx.captures.set(element, m.captures);
    return element;
  });
}

/** The first `depth` segments of an absolute path ("/a/b/c", 2 → "/a/b"), or undefined if it has fewer. */
function prefixOf(path: string, depth: number): string | undefined {
  let i = 0;
  for (let k = 0; k < depth; k++) {
    if (i === -1) return undefined;
    i = path.indexOf('/', i + 1);
  }
  return i === -1 ? path : path.slice(0, i);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
