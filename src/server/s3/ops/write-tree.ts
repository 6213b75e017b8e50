// What a write to a branch bucket changes: the tree of the branch's head
// (its open commit if it has one, else its last commit).
import type { Bucket } from '../bucket.js';
import type { GatewayDeps } from '../context.js';

/** Which of `paths` are files in the tree a write to the branch applies to. */
export async function existingFiles(deps: GatewayDeps, bucket: Bucket, paths: string[]): Promise<Set<string>> {
  const branch = await deps.pfs.branches.inspect(bucket.repo, bucket.branch!);
  const found = new Set<string>();
  if (!branch.head) return found;
  const head = await deps.pfs.commits.mustGet(bucket.repo, branch.head);
  for (const p of paths) if (await deps.tree.get(head.tree, p)) found.add(p);
  return found;
}
