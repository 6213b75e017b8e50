// fsck: checks that everything the commits of a scope reach is intact. Every
// tree node and ref-list blob is read past the caches and checked against its
// ID (walkReachable, src/tree/reachable.ts); every chunk is read back from its
// pack and checked against its sha256 (ContentStore.verify). A healthy store
// costs one walk. Only when something is damaged does a second walk name the
// files affected, by repo, commit and path, remembering the damage under each
// node so a node shared by many commits is read once.
import { isTuskError } from '../errors/index.js';
import type { ChunkRef } from '../storage/content.js';
import { entryKey, type EntryProblem } from '../storage/integrity.js';
import { walkContent, walkReachable, type ReachableSource, type TreeId } from '../tree/index.js';
import type { Commits } from './commits.js';
import type { PfsContext } from './context.js';
import type { CommitRecord } from './records.js';
import { parseRef } from './ref.js';

export interface FsckProblem {
  repo: string;
  commit: string;
  /** The file affected; for a lost tree node, the last path it held ('/' for a commit's root). */
  path: string;
  object: string;
  problem: 'missing' | 'corrupt';
  reason: string;
}

export interface FsckReport {
  commits: number;
  nodes: number;
  chunks: number;
  bytes: number;
  problems: FsckProblem[];
}

type Damage = Omit<FsckProblem, 'repo' | 'commit'>;
const NONE: readonly Damage[] = [];

/** Checks the commits of `scope`: '' every repo, `REPO` its commits, `REPO@REF` one commit. Throws what resolving the scope throws. */
export async function fsck(ctx: PfsContext, commits: Commits, scope: string): Promise<FsckReport> {
  const targets = await commitsOf(ctx, commits, scope);
  const tree = ctx.deps.tree;
  const source: ReachableSource = { loadNode: (id) => tree.storedNode(id), loadBlob: (id) => tree.storedBlob(id) };
  const lost = new Map<string, EntryProblem>();
  const refs = new Map<string, ChunkRef>();
  let nodes = 0;
  await walkReachable(source, targets.map((c) => c.tree), {
    node: () => nodes++,
    chunk: (ref) => refs.set(entryKey(ref), ref),
    missing: ({ id, error }) => lost.set(id, problemOf(id, error)),
  });
  const check = await ctx.deps.content.verify(refs.values());
  const report: FsckReport = { commits: targets.length, nodes, chunks: check.entries, bytes: check.bytes, problems: [] };
  if (lost.size === 0 && check.problems.size === 0) return report;

  const memo = new Map<TreeId, readonly Damage[]>();
  const damageUnder = async (id: TreeId, path: string): Promise<readonly Damage[]> => {
    const known = memo.get(id);
    if (known) return known;
    const gone = lost.get(id);
    let found: Damage[] = [];
    if (gone) found = [{ path, ...gone, reason: `tree node ${id}: ${gone.reason}` }];
    else {
      const node = await source.loadNode(id).catch(() => undefined);
      if (node?.kind === 'internal') for (const child of node.children) found.push(...(await damageUnder(child.id, child.key)));
      else if (node) {
        for (const entry of node.entries) {
          await walkContent(source, entry.content, entry.path, {
            chunk: (ref) => {
              const problem = check.problems.get(entryKey(ref));
              if (problem && !found.some((d) => d.path === entry.path && d.object === problem.object)) found.push({ path: entry.path, ...problem });
            },
            missing: ({ id: blob, error }) => found.push({ path: entry.path, ...problemOf(blob, error), reason: `ref list ${blob}: ${error.message}` }),
          });
        }
      }
    }
    const list = found.length === 0 ? NONE : found;
    memo.set(id, list);
    return list;
  };
  for (const c of targets) {
    for (const d of await damageUnder(c.tree, '/')) report.problems.push({ repo: c.repo, commit: c.id, ...d });
  }
  return report;
}

async function commitsOf(ctx: PfsContext, commits: Commits, scope: string): Promise<CommitRecord[]> {
  if (scope.includes('@')) return [await commits.resolve(parseRef(scope), 'head')];
  const repos = scope ? [await ctx.requireRepo(scope)] : await ctx.meta.listRepos();
  const out: CommitRecord[] = [];
  for (const repo of repos) for await (const c of ctx.meta.listCommits(repo.name)) out.push(c);
  return out;
}

function problemOf(id: string, error: unknown): EntryProblem {
  if (!isTuskError(error)) throw error;
  const object = typeof error.data.key === 'string' ? error.data.key : `blob:${id}`;
  if (error.kind === 'not_found') return { object, problem: 'missing', reason: error.message };
  if (error.kind === 'data_loss') return { object, problem: 'corrupt', reason: error.message };
  throw error;
}
