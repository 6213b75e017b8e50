// What pipelines, jobs, datums and log lines look like on the command line:
// their `-o json` shapes (DESIGN.md's field names; empty proto strings become
// null) and their human tables and key/value blocks. Provenance trees are in
// provenance-view.ts, the one-line input summary in input-summary.ts.
import type { Datum, Job, LogLine, Pipeline, PipelineVersion } from '../client/index.js';
import { inputSummary } from './input-summary.js';
import { elapsed, formatFields, formatTable, humanDuration, humanSize, oneLine, relativeTime } from './output.js';

export interface CommitRefJson {
  repo: string;
  branch: string;
  id: string;
}

export interface PipelineJson {
  name: string;
  version: number;
  state: string;
  /** The normalized spec the daemon keeps (every default filled in). */
  spec: unknown;
  created: string | null;
  description: string;
  reason: string | null;
  outputBranch: string;
  workers: number;
  /** `spout` for a spout (one long-running process, no input), else `standard`. */
  type: 'spout' | 'standard';
  /** Versions that apply on one branch only (`update pipeline --branch`). */
  branchVersions: { branch: string; version: number; spec: unknown }[];
  /** What the current version's datums used (newest 10 jobs; inspect only; null: nothing measured). */
  datumUsage: { datums: number; peakMemoryBytes: PercentilesJson; cpuMs: PercentilesJson; cpuMillicores: PercentilesJson } | null;
}

export interface PercentilesJson {
  p50: number;
  p95: number;
  max: number;
}

export interface DatumCountsJson {
  total: number;
  processed: number;
  skipped: number;
  failed: number;
  recovered: number;
}

export interface JobJson {
  id: string;
  pipeline: string;
  pipelineVersion: number;
  state: string;
  datums: DatumCountsJson;
  outputCommit: CommitRefJson | null;
  started: string | null;
  finished: string | null;
  reason: string | null;
  inputs: CommitRefJson[];
  branch: string;
}

export interface DatumJson {
  id: string;
  job: string;
  pipeline: string;
  state: string;
  /** Input paths, one per input file of the datum. */
  files: string[];
  /** The same files with their input name, size and content hash. */
  inputFiles: { input: string; path: string; sizeBytes: number; hash: string }[];
  tries: number;
  durationMs: number;
  /** CPU time of the code over its tries, and its peak resident memory, as the worker measured them (null: not measured). */
  cpuMs: number | null;
  peakMemoryBytes: number | null;
  reason: string | null;
}

export interface LogJson {
  time: string;
  pipeline: string;
  job: string | null;
  datum: string | null;
  stream: string;
  message: string;
}

export function pipelineJson(p: Pipeline): PipelineJson {
  return {
    name: p.name,
    version: p.version,
    state: p.state,
    spec: parseSpec(p.specJson),
    created: p.created || null,
    description: p.description,
    reason: p.reason || null,
    outputBranch: p.outputBranch,
    workers: p.workers,
    type: (parseSpec(p.specJson) as { spout?: unknown } | null)?.spout ? 'spout' : 'standard',
    branchVersions: p.branchVersions.map((b) => ({ branch: b.branch, version: b.version, spec: parseSpec(b.specJson) })),
    datumUsage: usageJson(p),
  };
}

function usageJson(p: Pipeline): PipelineJson['datumUsage'] {
  const u = p.datumUsage;
  if (!u || u.datums === 0) return null;
  const pct = (x: { p50: number; p95: number; max: number } | undefined) => ({ p50: x?.p50 ?? 0, p95: x?.p95 ?? 0, max: x?.max ?? 0 });
  return { datums: u.datums, peakMemoryBytes: pct(u.peakMemoryBytes), cpuMs: pct(u.cpuMs), cpuMillicores: pct(u.cpuMillicores) };
}

export function jobJson(j: Job): JobJson {
  const d = j.datums;
  return {
    id: j.id,
    pipeline: j.pipeline,
    pipelineVersion: j.pipelineVersion,
    state: j.state,
    datums: { total: d?.total ?? 0, processed: d?.processed ?? 0, skipped: d?.skipped ?? 0, failed: d?.failed ?? 0, recovered: d?.recovered ?? 0 },
    outputCommit: j.outputCommit ? { repo: j.pipeline, branch: j.branch, id: j.outputCommit } : null,
    started: j.started || null,
    finished: j.finished || null,
    reason: j.reason || null,
    inputs: j.inputs.map((i) => ({ repo: i.repo, branch: i.branch, id: i.id })),
    branch: j.branch,
  };
}

export function datumJson(d: Datum): DatumJson {
  return {
    id: d.id,
    job: d.job,
    pipeline: d.pipeline,
    state: d.state,
    files: d.files.map((f) => f.path),
    inputFiles: d.files.map((f) => ({ input: f.input, path: f.path, sizeBytes: f.sizeBytes, hash: f.hash })),
    tries: d.tries,
    durationMs: d.durationMs,
    cpuMs: d.peakMemoryBytes ? d.cpuMs : null,
    peakMemoryBytes: d.peakMemoryBytes || null,
    reason: d.reason || null,
  };
}

export function logJson(l: LogLine): LogJson {
  return { time: l.time, pipeline: l.pipeline, job: l.job || null, datum: l.datum || null, stream: l.stream, message: l.message };
}

function parseSpec(text: string): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

// Human views

/** `processed+skipped/total`, then failures and recoveries: `3+1/5 (1 failed)`. */
export function datumProgress(j: Job): string {
  const d = jobJson(j).datums;
  const notes = [d.failed ? `${d.failed} failed` : '', d.recovered ? `${d.recovered} recovered` : ''].filter(Boolean);
  return `${d.processed}+${d.skipped}/${d.total}${notes.length ? ` (${notes.join(', ')})` : ''}`;
}

function stateWithReason(state: string, reason: string): string {
  return reason ? `${state}: ${oneLine(reason)}` : state;
}

/** `lastJobs`: the newest job of each pipeline, for the LAST JOB column. */
export function pipelineTable(pipelines: readonly Pipeline[], lastJobs: ReadonlyMap<string, Job>, now: Date, full = false): string {
  return formatTable(
    ['NAME', 'VERSION', 'INPUT', 'CREATED', 'STATE / LAST JOB', 'DESCRIPTION'],
    pipelines.map((p) => [
      p.name,
      p.branchVersions.length > 0 ? `${p.version} (${p.branchVersions.map((b) => `${b.branch}: ${b.version}`).join(', ')})` : String(p.version),
      inputSummary(pipelineJson(p).spec),
      relativeTime(p.created, now, full),
      `${p.state} / ${lastJobs.get(p.name)?.state ?? '-'}`,
      oneLine(p.description),
    ]),
  );
}

/** `list pipeline --history`: one entry per version, newest first. */
export interface PipelineVersionJson {
  name: string;
  version: number;
  /** The branches whose jobs run this version now; empty: superseded. */
  runsOn: string[];
  spec: unknown;
}

export function pipelineVersionJson(name: string, v: PipelineVersion): PipelineVersionJson {
  return { name, version: v.version, runsOn: v.runsOn, spec: parseSpec(v.specJson) };
}

export function pipelineHistoryTable(rows: readonly PipelineVersionJson[]): string {
  return formatTable(
    ['NAME', 'VERSION', 'RUNS ON', 'INPUT', 'DESCRIPTION'],
    rows.map((r) => [r.name, String(r.version), r.runsOn.join(', ') || '- (superseded)', inputSummary(r.spec), oneLine((r.spec as { description?: string } | null)?.description ?? '')]),
  );
}

export function pipelineFields(p: Pipeline, now: Date): string {
  const spec = pipelineJson(p).spec as { transform?: { cmd?: unknown; stdin?: unknown }; parallelismSpec?: { constant?: number }; datumTries?: number; spout?: { overwrite?: boolean } } | null;
  const cmd = Array.isArray(spec?.transform?.cmd) ? (spec.transform.cmd as unknown[]).map(String) : [];
  return formatFields([
    ['Name', p.name],
    ['Version', String(p.version)],
    ['State', stateWithReason(p.state, p.reason)],
    ['Created', p.created ? `${p.created} (${relativeTime(p.created, now)})` : '-'],
    ['Description', oneLine(p.description) || '-'],
    ...(spec?.spout
      ? [['Type', `spout${spec.spout.overwrite ? ' (overwrite: each commit replaces the output)' : ''}: one long-running process, restarted when it exits`] as [string, string]]
      : [['Input', inputSummary(spec)] as [string, string]]),
    ['Transform', cmd.length ? cmd.map(shellWord).join(' ') : '-'],
    ['Output', `${p.name}@${p.outputBranch}`],
    ['Workers', `${p.workers} running (parallelism ${spec?.parallelismSpec?.constant ?? 1})${workersNotRunning(p)}`],
    ['Datum tries', String(spec?.datumTries ?? '-')],
    ...p.branchVersions.map((b): [string, string] => [`On ${b.branch}`, `version ${b.version} (output ${p.name}@${b.branch})`]),
    ...usageFields(usageJson(p)),
  ]);
}

/** `, 1 failing (3 restarts), 1 starting`: the workers not running, by state, from inspect's worker list. */
function workersNotRunning(p: Pipeline): string {
  const byState = new Map<string, { count: number; restarts: number }>();
  for (const w of p.workerList ?? []) {
    if (w.state === 'running') continue;
    const s = byState.get(w.state) ?? { count: 0, restarts: 0 };
    s.count++;
    s.restarts += w.restarts;
    byState.set(w.state, s);
  }
  return [...byState].map(([state, s]) => `, ${s.count} ${state}${s.restarts ? ` (${s.restarts} restart${s.restarts === 1 ? '' : 's'})` : ''}`).join('');
}

/** `Datum memory  p50 12.0 MiB, p95 30.1 MiB, max 31.0 MiB (40 datums)`, and the same for CPU. */
function usageFields(u: PipelineJson['datumUsage']): [string, string][] {
  if (!u) return [];
  const line = (x: PercentilesJson, f: (n: number) => string) => `p50 ${f(x.p50)}, p95 ${f(x.p95)}, max ${f(x.max)} (${u.datums} datums)`;
  return [
    ['Datum memory', line(u.peakMemoryBytes, humanSize)],
    ['Datum CPU time', line(u.cpuMs, humanDuration)],
    ['Datum CPU rate', line(u.cpuMillicores, (m) => `${(m / 1000).toFixed(2)} cores`)],
  ];
}

/** Quotes a word only when a shell would need it. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export function jobTable(jobs: readonly Job[], now: Date, full = false): string {
  return formatTable(
    ['PIPELINE', 'ID', 'STATE', 'DATUMS', 'STARTED', 'DURATION'],
    jobs.map((j) => [j.pipeline, j.id, j.state, datumProgress(j), relativeTime(j.started, now, full), j.finished ? elapsed(j.started, j.finished, now) : j.started ? `${elapsed(j.started, '', now)}…` : '-']),
  );
}

export function jobFields(j: Job, now: Date): string {
  const d = jobJson(j).datums;
  const inputs = j.inputs.length ? j.inputs.map((i) => `${i.repo}@${i.id}${i.branch ? ` (${i.branch})` : ''}`).join(', ') : '-';
  return formatFields([
    ['Job', `${j.pipeline}@${j.id}`],
    ['Pipeline', `${j.pipeline} v${j.pipelineVersion}`],
    ['State', stateWithReason(j.state, j.reason)],
    ['Started', j.started ? `${j.started} (${relativeTime(j.started, now)})` : '-'],
    ['Finished', j.finished ? `${j.finished} (${relativeTime(j.finished, now)})` : '-'],
    ['Duration', elapsed(j.started, j.finished, now)],
    ['Datums', `${d.total} total: ${d.processed} processed, ${d.skipped} skipped, ${d.failed} failed, ${d.recovered} recovered`],
    ['Output commit', j.outputCommit ? `${j.pipeline}@${j.outputCommit}${j.branch ? ` (${j.branch})` : ''}` : '-'],
    ['Inputs', inputs],
  ]);
}

const MAX_FILES_SHOWN = 3;

/** A datum's input paths for a table cell: the first few, then how many more. */
function filesCell(d: Datum): string {
  const paths = d.files.map((f) => f.path);
  if (paths.length === 0) return '-';
  const shown = paths.slice(0, MAX_FILES_SHOWN).join(', ');
  return paths.length > MAX_FILES_SHOWN ? `${shown}, … (+${paths.length - MAX_FILES_SHOWN} more)` : shown;
}

function datumTime(d: Datum): string {
  return d.state === 'skipped' || d.state === 'queued' ? '-' : humanDuration(d.durationMs);
}

export function datumTable(datums: readonly Datum[]): string {
  return formatTable(['ID', 'STATE', 'FILES', 'TRIES', 'TIME'], datums.map((d) => [d.id, d.state, filesCell(d), String(d.tries), datumTime(d)]));
}

export function datumFields(d: Datum): string {
  const fields: [string, string][] = [
    ['Datum', d.id],
    ['Job', `${d.pipeline}@${d.job}`],
    ['State', stateWithReason(d.state, d.reason)],
    ['Tries', String(d.tries)],
    ['Time', datumTime(d)],
    ...(d.peakMemoryBytes ? ([['Peak memory', humanSize(d.peakMemoryBytes)], ['CPU time', humanDuration(d.cpuMs)]] as [string, string][]) : []),
  ];
  if (d.files.length === 0) return formatFields([...fields, ['Files', '-']]);
  return formatFields(fields) + '\n' + formatTable(['INPUT', 'PATH', 'SIZE', 'HASH'], d.files.map((f) => [f.input, f.path, humanSize(f.sizeBytes), f.hash || '-']));
}
