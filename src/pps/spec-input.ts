// Reading a spec's `input` tree (pfs, cron, cross, union, join, group) into the
// normalized Input shape: defaults (branch master, name = repo, cron repo
// "<pipeline>_<name>"), glob and template checks, and the join/group rules.
import { parseDuration } from './duration.js';
import { captureRefs, compileDatumGlob, globProblem, normalizeGlob } from './glob.js';
import type { CronInput, Input, PfsInput, Trigger } from './spec.js';
import { childPath, type Field, type SpecReader } from './spec-fields.js';

const INPUT_KINDS = ['pfs', 'cross', 'union', 'join', 'group', 'cron'] as const;
const PFS_FIELDS = ['name', 'project', 'repo', 'repo_type', 'branch', 'commit', 'glob', 'lazy', 'empty_files', 'join_on', 'outer_join', 'group_by', 'trigger', 's3', 'reference', 'propagation_spec'];
const PROPAGATION_FIELDS = ['never_skip'];
const CRON_FIELDS = ['name', 'project', 'repo', 'commit', 'spec', 'overwrite', 'start'];
const TRIGGER_FIELDS = ['branch', 'all', 'rate_limit_spec', 'cron_spec', 'size', 'commits'];

type Within = 'join' | 'group' | undefined;

// DESIGN's rule for repo and branch names (and so for pipelines, whose output repo
// they name, and for inputs, which become folder and variable names).
const NAME = /^[A-Za-z0-9_-]{1,63}$/;
const COMMIT_ID = /^[0-9a-f]{32}$/;

/** Checks a repo, branch, pipeline or input name; reports `invalid name "a b" (rule)`. */
export function checkName(r: SpecReader, f: Field | undefined, kind: 'repo' | 'branch' | 'pipeline' | 'input'): string | undefined {
  const s = r.nonEmpty(f);
  if (s === undefined) return undefined;
  if (!NAME.test(s)) {
    r.add(f!.path, `invalid name ${JSON.stringify(s)} (use 1-63 letters, digits, "_" or "-")`);
    return undefined;
  }
  if (kind === 'branch' && COMMIT_ID.test(s)) {
    r.add(f!.path, `invalid name ${JSON.stringify(s)} (a branch name cannot look like a commit ID)`);
    return undefined;
  }
  return s;
}

/** Pachyderm writes a project as a string in inputs and as {name} in `pipeline`; either is accepted. */
export function readProject(r: SpecReader, f: Field | undefined): string | undefined {
  if (!f) return undefined;
  if (typeof f.value === 'string') return f.value;
  const fields = r.object(f.value, f.path, ['name']);
  return fields ? r.string(fields.get('name')) : undefined;
}

/** Reads one input object at `path`; returns undefined (with problems recorded) if it is unusable. */
export function readInput(r: SpecReader, value: unknown, path: string, pipeline: string, within?: Within): Input | undefined {
  const fields = r.object(value, path, INPUT_KINDS);
  if (!fields) return undefined;
  const kinds = [...fields.keys()];
  if (kinds.length !== 1) {
    r.add(path, kinds.length === 0 ? `needs one of ${INPUT_KINDS.join(', ')}` : `has ${kinds.join(' and ')}; give exactly one input kind per entry`);
    return undefined;
  }
  const kind = kinds[0] as (typeof INPUT_KINDS)[number];
  const f = fields.get(kind)!;
  if (within && kind !== 'pfs') {
    r.add(f.path, `a ${within} combines pfs inputs only`);
    return undefined;
  }
  switch (kind) {
    case 'pfs':
      return readPfs(r, f, within);
    case 'cron':
      return readCron(r, f, pipeline);
    case 'cross':
    case 'union': {
      const inputs = readChildren(r, f, pipeline, undefined);
      return inputs && { type: kind, inputs };
    }
    case 'join':
    case 'group': {
      const inputs = readChildren(r, f, pipeline, kind) as PfsInput[] | undefined;
      return inputs && { type: kind, inputs };
    }
  }
}

function readChildren(r: SpecReader, f: Field, pipeline: string, within: Within): Input[] | undefined {
  const items = r.list(f);
  if (!items) return undefined;
  if (items.length === 0) {
    r.add(f.path, 'needs at least one input');
    return undefined;
  }
  const out: Input[] = [];
  for (const item of items) {
    const input = readInput(r, item.value, item.path, pipeline, within);
    if (input) out.push(input);
  }
  return out.length === items.length ? out : undefined;
}

function readPfs(r: SpecReader, f: Field, within: Within): PfsInput | undefined {
  const fields = r.object(f.value, f.path, PFS_FIELDS);
  if (!fields) return undefined;
  const before = r.problems.length;
  const repo = checkName(r, r.required(fields, 'repo', f.path), 'repo');
  const branch = fields.has('branch') ? checkName(r, fields.get('branch'), 'branch') : 'master';
  const name = fields.has('name') ? checkName(r, fields.get('name'), 'input') : repo;
  const globField = r.required(fields, 'glob', f.path);
  let glob = r.string(globField);
  if (glob !== undefined) {
    const problem = globProblem(glob);
    if (problem) {
      r.add(globField!.path, `invalid glob ${JSON.stringify(glob)}: ${problem}`);
      glob = undefined;
    } else {
      glob = normalizeGlob(glob);
    }
  }
  const commitField = fields.get('commit');
  const commit = r.string(commitField);
  if (commit !== undefined && !COMMIT_ID.test(commit)) r.add(commitField!.path, `${JSON.stringify(commit)} is not a commit ID (32 hex digits)`);
  // s3: true — the sidecar also serves the input as the S3 bucket named after it; the bucket holds the whole commit, so (as Pachyderm requires) its glob is "/".
  const s3 = r.boolean(fields.get('s3')) === true;
  if (s3 && glob !== undefined && glob !== '/') r.add(fields.get('s3')!.path, `an S3 input is served whole as one bucket: its glob must be "/" (as Pachyderm requires), not ${JSON.stringify(glob)}`);

  const joinOn = r.string(fields.get('join_on'));
  const outerJoin = r.boolean(fields.get('outer_join')) ?? false;
  const groupBy = r.string(fields.get('group_by'));
  if (within === 'join') {
    if (joinOn === undefined && !fields.has('join_on')) r.add(childPath(f.path, 'join_on'), 'required in a join');
  } else {
    for (const k of ['join_on', 'outer_join']) if (fields.has(k)) r.add(fields.get(k)!.path, 'only allowed on an input of a join');
  }
  if (within === 'group') {
    if (groupBy === undefined && !fields.has('group_by')) r.add(childPath(f.path, 'group_by'), 'required in a group');
  } else if (fields.has('group_by')) {
    r.add(fields.get('group_by')!.path, 'only allowed on an input of a group');
  }
  if (glob !== undefined) {
    const groups = compileDatumGlob(glob).groups;
    for (const [key, template] of [['join_on', joinOn], ['group_by', groupBy]] as const) {
      if (template === undefined) continue;
      for (const n of captureRefs(template)) {
        if (n > groups) r.add(fields.get(key)!.path, `"$${n}" refers to capture group ${n}, but glob ${JSON.stringify(glob)} has ${groups === 1 ? '1 group' : `${groups} groups`} (groups are parenthesised, e.g. "/(*).txt")`);
      }
    }
  }
  const trigger = readTrigger(r, fields.get('trigger'));
  // reference: true (Pachyderm 2.8+): the repo is mounted whole in every datum and its commits start no job.
  const reference = r.boolean(fields.get('reference')) ?? false;
  // propagation_spec: Pachyderm's choice of whether an unchanged input still runs a job; accepted (Tusk runs on every commit).
  if (fields.has('propagation_spec')) r.object(fields.get('propagation_spec')!.value, fields.get('propagation_spec')!.path, PROPAGATION_FIELDS);
  const input: PfsInput = {
    type: 'pfs',
    name: name ?? '',
    repo: repo ?? '',
    repoType: r.string(fields.get('repo_type')) ?? 'user',
    branch: branch ?? 'master',
    ...(commit !== undefined && { commit }),
    glob: reference ? '/' : (glob ?? '/'),
    ...(reference && { reference }),
    ...(s3 && { s3 }),
    lazy: r.boolean(fields.get('lazy')) ?? false,
    emptyFiles: r.boolean(fields.get('empty_files')) ?? false,
    ...(within === 'join' && joinOn !== undefined && { joinOn }),
    outerJoin: within === 'join' ? outerJoin : false,
    ...(within === 'group' && groupBy !== undefined && { groupBy }),
    ...(trigger && { trigger }),
    ...(fields.has('project') && { project: readProject(r, fields.get('project')) ?? '' }),
  };
  return r.problems.length === before ? input : undefined;
}

function readTrigger(r: SpecReader, f: Field | undefined): Trigger | undefined {
  if (!f) return undefined;
  const fields = r.object(f.value, f.path, TRIGGER_FIELDS);
  if (!fields) return undefined;
  const branch = checkName(r, r.required(fields, 'branch', f.path), 'branch');
  const rate = r.string(fields.get('rate_limit_spec'));
  const cron = r.string(fields.get('cron_spec'));
  const size = r.string(fields.get('size'));
  const commits = r.integer(fields.get('commits'), 0);
  return {
    branch: branch ?? '',
    all: r.boolean(fields.get('all')) ?? false,
    ...(rate !== undefined && { rateLimitSpec: rate }),
    ...(cron !== undefined && { cronSpec: cron }),
    ...(size !== undefined && { size }),
    ...(commits !== undefined && { commits }),
  };
}

function readCron(r: SpecReader, f: Field, pipeline: string): CronInput | undefined {
  const fields = r.object(f.value, f.path, CRON_FIELDS);
  if (!fields) return undefined;
  const before = r.problems.length;
  const name = checkName(r, r.required(fields, 'name', f.path), 'input');
  const specField = r.required(fields, 'spec', f.path);
  const spec = r.string(specField);
  if (spec !== undefined) {
    const problem = cronProblem(spec);
    if (problem) r.add(specField!.path, problem);
  }
  const repo = fields.has('repo') ? checkName(r, fields.get('repo'), 'repo') : `${pipeline}_${name ?? ''}`;
  const startField = fields.get('start');
  const start = r.string(startField);
  if (start !== undefined && Number.isNaN(Date.parse(start))) r.add(startField!.path, `${JSON.stringify(start)} is not a time (use RFC 3339, e.g. 2024-01-01T00:00:00Z)`);
  if (fields.has('commit')) r.string(fields.get('commit'));
  const input: CronInput = {
    type: 'cron',
    name: name ?? '',
    spec: spec ?? '',
    repo: repo ?? '',
    branch: 'master',
    glob: '/',
    ...(start !== undefined && { start }),
    overwrite: r.boolean(fields.get('overwrite')) ?? false,
    lazy: false,
    emptyFiles: false,
    ...(fields.has('project') && { project: readProject(r, fields.get('project')) ?? '' }),
  };
  return r.problems.length === before ? input : undefined;
}

const CRON_MACROS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

/** Why a cron expression cannot be right, or undefined. Accepts 5 or 6 fields, the @macros and "@every <duration>". */
export function cronProblem(spec: string): string | undefined {
  const s = spec.trim();
  if (CRON_MACROS.has(s)) return undefined;
  if (s.startsWith('@every ')) {
    const ms = parseDuration(s.slice(7));
    return ms !== undefined && ms > 0 ? undefined : `${JSON.stringify(spec)}: "@every" needs a positive duration (e.g. @every 1m)`;
  }
  const parts = s.split(/\s+/);
  if ((parts.length === 5 || parts.length === 6) && parts.every((p) => /^[0-9A-Za-z*?/,\-LW#]+$/.test(p))) return undefined;
  return `${JSON.stringify(spec)} is not a cron expression (use 5 fields like "*/10 * * * *", "@hourly" or "@every 1m")`;
}

