// What `delete commit`, `squash commit` and `fsck` print: the commits and
// jobs a removal takes with it, and the damage fsck found. Also the shared
// action of the two removal commands: with --recursive, list what goes and
// ask on a terminal before doing it.
import type { FsckResponse, RemoveCommitResponse } from '../gen/tusk/pfs.js';
import { confirm } from './confirm.js';
import type { CliContext } from './context.js';
import { emit, formatOf } from './command.js';
import { formatTable, humanSize } from './output.js';

export interface RemovalFlags {
  recursive?: boolean;
  dryRun?: boolean;
  force?: boolean;
  yes?: boolean;
  output?: string;
}

/** Runs `delete commit` or `squash commit` on `ref`: with --recursive, lists what goes and asks first on a terminal (unless --yes). */
export async function runRemoval(ctx: CliContext, action: 'delete' | 'squash', ref: string, flags: RemovalFlags): Promise<void> {
  const call = (dryRun: boolean) => {
    const options = { recursive: !!flags.recursive, dryRun, force: !!flags.force };
    return action === 'delete' ? ctx.client().deleteCommit(ref, options) : ctx.client().squashCommit(ref, options);
  };
  if (flags.recursive && !flags.dryRun && !flags.yes && (ctx.stdin as NodeJS.ReadStream).isTTY) {
    const plan = await call(true);
    ctx.stderr.write(`${action} commit ${ref} --recursive will remove:\n${removalLines(plan).map((l) => `  ${l}\n`).join('')}`);
    await confirm(ctx, `${action} ${plan.commits.length} commit${plan.commits.length === 1 ? '' : 's'} and ${plan.jobs.length} job${plan.jobs.length === 1 ? '' : 's'}?`);
  }
  const done = await call(!!flags.dryRun);
  emit(ctx, formatOf(flags), () => removalJson(action, done), () => removalLines(done).join('\n'));
}

export function removalJson(action: string, r: RemoveCommitResponse): unknown {
  return { action, dryRun: r.dryRun, commits: r.commits, jobs: r.jobs, branches: r.branches.map((b) => ({ repo: b.repo, name: b.name, head: b.head })) };
}

/** One line per commit removed, job deleted and branch moved ("would" for a dry run). */
export function removalLines(r: RemoveCommitResponse): string[] {
  const would = r.dryRun ? 'would be ' : '';
  return [
    ...r.commits.map((c) => `commit ${c.repo}@${c.id} (${c.branch}) ${would}${c.action}`),
    ...r.jobs.map((j) => `job ${j.pipeline}@${j.id} (${j.state}) ${would}deleted${j.state === 'success' || j.state === 'failure' || j.state === 'killed' ? '' : ', stopped first'}`),
    ...r.branches.map((b) => `branch ${b.repo}@${b.name} ${r.dryRun ? 'would move' : 'moved'} to ${b.head || 'no commit'}`),
  ];
}

export function fsckJson(r: FsckResponse): unknown {
  return { commits: Number(r.commits), nodes: Number(r.nodes), chunks: Number(r.chunks), bytes: Number(r.bytes), problems: r.problems };
}

export function fsckText(r: FsckResponse): string {
  const summary = `checked ${r.commits} commits: ${r.nodes} tree nodes, ${r.chunks} chunks (${humanSize(Number(r.bytes))})`;
  if (r.problems.length === 0) return `${summary}: no damage found`;
  const rows = r.problems.map((p) => [`${p.repo}@${p.commit}`, p.path, p.problem, p.object, p.reason]);
  return `${formatTable(['COMMIT', 'PATH', 'PROBLEM', 'OBJECT', 'REASON'], rows)}${summary}: ${r.problems.length} damaged`;
}
