// How experiment lists, summaries, promotions, deletions and impact previews look: human tables
// and the JSON documents of `-o json`.
import type { DeleteExperimentResponse, ExperimentRepo, ExperimentSummary, ImpactRow, PromoteResponse } from '../gen/tusk/pps.js';
import { formatTable, humanSize, relativeTime } from './output.js';

export interface ExperimentRepoJson {
  repo: string;
  branch: string;
  base: string;
  head: string | null;
  baseHead: string | null;
  /** For a pipeline's output repo: its version on the experiment branch and on the main line. */
  pipeline: { version: number; baseVersion: number } | null;
  added: number;
  modified: number;
  deleted: number;
  bytesAdded: number;
  bytesModified: number;
  bytesDeleted: number;
}

export function experimentRepoJson(r: ExperimentRepo): ExperimentRepoJson {
  return {
    repo: r.repo,
    branch: r.branch,
    base: r.base,
    head: r.head || null,
    baseHead: r.baseHead || null,
    pipeline: r.isPipeline ? { version: r.version, baseVersion: r.baseVersion } : null,
    added: r.added,
    modified: r.modified,
    deleted: r.deleted,
    bytesAdded: r.bytesAdded,
    bytesModified: r.bytesModified,
    bytesDeleted: r.bytesDeleted,
  };
}

export function experimentTable(repos: readonly ExperimentRepo[]): string {
  return formatTable(
    ['REPO', 'COMPARED', 'VERSION', 'ADDED', 'MODIFIED', 'DELETED'],
    repos.map((r) => [
      r.repo,
      `${r.branch} vs ${r.base}`,
      r.isPipeline ? (r.version === r.baseVersion ? String(r.version) : `${r.baseVersion} → ${r.version}`) : '-',
      counted(r.added, r.bytesAdded),
      counted(r.modified, r.bytesModified),
      counted(r.deleted, r.bytesDeleted),
    ]),
  );
}

function counted(n: number, bytes: number): string {
  return n === 0 ? '0' : `${n} (${humanSize(bytes)})`;
}

export function promoteJson(p: PromoteResponse) {
  return { moved: p.moved.map((m) => ({ repo: m.repo, branch: m.branch, from: m.from || null, to: m.to })), pipelines: p.pipelines.map((x) => ({ name: x.name, from: x.from, to: x.to })) };
}

export function promoteText(branch: string, p: PromoteResponse): string {
  const lines = [
    ...p.moved.map((m) => `moved ${m.repo}@${m.branch} ${m.from ? `${m.from.slice(0, 8)}..` : ''}${m.to.slice(0, 8)} (fast-forward)`),
    ...p.pipelines.map((x) => `pipeline ${x.name}: version ${x.from} → ${x.to} on the main line`),
  ];
  return lines.length > 0 ? lines.join('\n') : `nothing to promote: the main line already matches ${branch}`;
}

export function experimentListJson(e: ExperimentSummary) {
  return { branch: e.branch, repos: e.repos, pipelines: e.pipelines.map((p) => ({ name: p.name, version: p.version })), open: e.open, updated: e.updated || null };
}

export function experimentListTable(list: readonly ExperimentSummary[], now: Date, full = false): string {
  if (list.length === 0) return 'no experiments: create one with `tusk create branch REPO@NAME --head master` on an input repo\n';
  return formatTable(
    ['EXPERIMENT', 'REPOS', 'PIPELINE VERSIONS', 'OPEN', 'UPDATED'],
    list.map((e) => [
      e.branch,
      e.repos.join(', ') || '-',
      e.pipelines.map((p) => `${p.name} v${p.version}`).join(', ') || '-',
      e.open.length === 0 ? '-' : e.open.join(', '),
      relativeTime(e.updated, now, full),
    ]),
  );
}

export function deleteExperimentJson(d: DeleteExperimentResponse) {
  return { branches: d.branches.map((b) => ({ repo: b.repo, branch: b.branch, head: b.head || null })), pipelines: d.pipelines.map((p) => ({ name: p.name, version: p.version })) };
}

export function deleteExperimentText(branch: string, d: DeleteExperimentResponse): string {
  return [
    ...d.branches.map((b) => `deleted branch ${b.repo}@${b.branch}${b.head ? ` (was at ${b.head.slice(0, 8)})` : ''}`),
    ...d.pipelines.map((p) => `pipeline ${p.name}: dropped its version ${p.version} for ${branch}`),
  ].join('\n');
}

export interface ImpactRowJson {
  pipeline: string;
  branch: string;
  version: number;
  /** null when the counts depend on outputs that do not exist yet. */
  datums: { total: number; run: number; reused: number } | null;
  exact: boolean;
  note: string | null;
}

export function impactRowJson(r: ImpactRow): ImpactRowJson {
  return {
    pipeline: r.pipeline,
    branch: r.branch,
    version: r.version,
    datums: r.exact ? { total: r.total, run: r.run, reused: r.reused } : null,
    exact: r.exact,
    note: r.note || null,
  };
}

export function impactTable(rows: readonly ImpactRow[]): string {
  if (rows.length === 0) return 'no pipeline would run\n';
  return formatTable(
    ['PIPELINE', 'BRANCH', 'VERSION', 'DATUMS', 'RUN', 'REUSED', 'NOTE'],
    rows.map((r) => [r.pipeline, r.branch, String(r.version), r.exact ? String(r.total) : '?', r.exact ? String(r.run) : '?', r.exact ? String(r.reused) : '?', r.note]),
  );
}
