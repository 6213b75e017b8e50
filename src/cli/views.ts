// What each API object looks like on the command line: its `-o json` shape
// (DESIGN.md's field names: empty proto strings become null, sizes are
// numbers) and its human table or key/value block.
import type { Branch, Commit, DiffEntry, FileInfo, Repo } from '../client/index.js';
import { formatFields, formatTable, humanSize, oneLine, relativeTime } from './output.js';

export interface CommitJson {
  id: string;
  repo: string;
  branch: string;
  parentId: string | null;
  origin: string;
  started: string;
  finished: string | null;
  sizeBytes: number;
  description: string;
  provenance: { repo: string; branch: string; id: string }[];
  fileCount: number;
}

export function commitJson(c: Commit): CommitJson {
  return {
    id: c.id,
    repo: c.repo,
    branch: c.branch,
    parentId: c.parentId || null,
    origin: c.origin,
    started: c.started,
    finished: c.finished || null,
    sizeBytes: c.sizeBytes,
    description: c.description,
    provenance: c.provenance.map((p) => ({ repo: p.repo, branch: p.branch, id: p.id })),
    fileCount: c.fileCount,
  };
}

export function repoJson(r: Repo) {
  return { name: r.name, sizeBytes: r.sizeBytes, branches: [...r.branches], description: r.description, created: r.created || null };
}

export function branchJson(b: Branch) {
  const t = b.trigger;
  const hasTrigger = !!t && (t.branch !== '' || t.all || t.cronSpec !== '' || t.size !== '' || t.commits !== 0);
  return {
    name: b.name,
    repo: b.repo,
    head: b.head || null,
    trigger: hasTrigger ? { branch: t.branch, all: t.all, cronSpec: t.cronSpec, size: t.size, commits: t.commits } : null,
  };
}

export function fileJson(f: FileInfo) {
  return { path: f.path, type: f.type, sizeBytes: f.sizeBytes, hash: f.hash || null, commit: f.commit || null };
}

export function diffJson(d: DiffEntry) {
  return { path: d.path, change: d.change, sizeBytes: d.sizeBytes, oldSizeBytes: d.oldSizeBytes };
}

// Human views

export function commitTable(commits: readonly Commit[], now: Date, full = false): string {
  return formatTable(
    ['REPO', 'BRANCH', 'COMMIT', 'FINISHED', 'SIZE', 'ORIGIN', 'DESCRIPTION'],
    commits.map((c) => [c.repo, c.branch || '-', c.id, c.finished ? relativeTime(c.finished, now, full) : 'open', humanSize(c.sizeBytes), c.origin, oneLine(c.description)]),
  );
}

/** A commit's fields; `error` (commit-error.ts: its job failed or was killed) adds an `Error` line, as pachctl shows it. */
export function commitFields(c: Commit, now: Date, error: string | null = null): string {
  const provenance = c.provenance.length === 0 ? '-' : c.provenance.map((p) => `${p.repo}@${p.id}${p.branch ? ` (${p.branch})` : ''}`).join(', ');
  return formatFields([
    ['Commit', `${c.repo}@${c.id}`],
    ['Branch', c.branch || '-'],
    ['Parent', c.parentId || '-'],
    ['Origin', c.origin],
    ['Started', timeWithAge(c.started, now)],
    ['Finished', c.finished ? timeWithAge(c.finished, now) : 'open (not finished)'],
    ['Size', humanSize(c.sizeBytes)],
    ['Files', String(c.fileCount)],
    ['Description', oneLine(c.description) || '-'],
    ['Provenance', provenance],
    ...(error ? [['Error', oneLine(error)] as [string, string]] : []),
  ]);
}

export function repoTable(repos: readonly Repo[], now: Date, full = false): string {
  return formatTable(
    ['NAME', 'CREATED', 'SIZE', 'BRANCHES', 'DESCRIPTION'],
    repos.map((r) => [r.name, relativeTime(r.created, now, full), humanSize(r.sizeBytes), branchesCell(r.branches), oneLine(r.description)]),
  );
}

const CELL_BRANCHES = 5;

/** A repo's branches in one table cell: the first few and how many more (`inspect repo` and `-o json` name them all). */
export function branchesCell(branches: readonly string[]): string {
  if (branches.length === 0) return '-';
  if (branches.length <= CELL_BRANCHES) return branches.join(',');
  return `${branches.slice(0, CELL_BRANCHES - 1).join(',')},… (+${branches.length - CELL_BRANCHES + 1})`;
}

/** With `usage` (inspect repo): also what its commits store and what only it holds (what delete + gc frees). */
export function repoFields(r: Repo, now: Date, usage = false): string {
  return formatFields([
    ['Name', r.name],
    ['Description', oneLine(r.description) || '-'],
    ['Created', timeWithAge(r.created, now)],
    ['Size', humanSize(r.sizeBytes)],
    ...(usage ? ([['Stored', humanSize(r.storedBytes)], ['Held only here', humanSize(r.uniqueBytes)]] as [string, string][]) : []),
    ['Branches', r.branches.join(', ') || '-'],
  ]);
}

/** `staging (100MB or 10 commits)`, `staging (every commit)`: the source branch and when this branch follows it. */
export function triggerText(b: Branch): string {
  const t = branchJson(b).trigger;
  if (!t) return '-';
  const parts: string[] = [];
  if (t.size) parts.push(`+${t.size}`);
  if (t.commits) parts.push(`${t.commits} commit${t.commits === 1 ? '' : 's'}`);
  if (t.cronSpec) parts.push(`cron ${t.cronSpec}`);
  return `${t.branch} (${parts.length === 0 ? 'every commit' : parts.join(t.all ? ' and ' : ' or ')})`;
}

export function branchTable(branches: readonly Branch[]): string {
  return formatTable(['BRANCH', 'HEAD', 'TRIGGER'], branches.map((b) => [b.name, b.head || '-', triggerText(b)]));
}

export function branchFields(b: Branch): string {
  return formatFields([
    ['Name', `${b.repo}@${b.name}`],
    ['Head', b.head || '- (empty branch)'],
    ['Trigger', triggerText(b)],
  ]);
}

export function fileRow(f: FileInfo): string[] {
  return [f.type === 'dir' && f.path !== '/' ? `${f.path}/` : f.path, f.type, humanSize(f.sizeBytes)];
}

export function fileTable(files: readonly FileInfo[]): string {
  return formatTable(['NAME', 'TYPE', 'SIZE'], files.map(fileRow));
}

export function diffTable(entries: readonly DiffEntry[]): string {
  return formatTable(
    ['CHANGE', 'PATH', 'SIZE'],
    entries.map((d) => [
      d.change,
      d.path,
      d.change === 'modified' ? `${humanSize(d.sizeBytes)} (was ${humanSize(d.oldSizeBytes)})` : humanSize(d.change === 'deleted' ? d.oldSizeBytes : d.sizeBytes),
    ]),
  );
}

function timeWithAge(iso: string, now: Date): string {
  return iso ? `${iso} (${relativeTime(iso, now)})` : '-';
}
