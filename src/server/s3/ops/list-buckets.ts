// ListBuckets: every branch of every repo, as `BRANCH.REPO`. A bucket's
// creation date is its head commit's time (or the repo's creation).
import { RepoNotFound } from '../../../errors/index.js';
import type { BranchRecord, Pfs } from '../../../pfs/index.js';
import type { Operation } from '../context.js';
import { isoTime, sendXml } from '../respond.js';

export const listBuckets: Operation = async (deps, r) => {
  const buckets: { Name: string; CreationDate: string }[] = [];
  for (const repo of await deps.pfs.repos.records()) {
    for (const branch of await branchesOf(deps.pfs, repo.name)) {
      const head = branch.head ? await deps.pfs.commits.find(repo.name, branch.head) : undefined;
      const time = head ? head.finished ?? head.started : repo.created;
      buckets.push({ Name: `${branch.name}.${repo.name}`, CreationDate: isoTime(new Date(time)) });
    }
  }
  buckets.sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
  const owner = { ID: r.identity.accessKey ?? 'anonymous', DisplayName: r.identity.accessKey ?? 'anonymous' };
  sendXml(r.res, 200, 'ListAllMyBucketsResult', { Owner: owner, Buckets: { Bucket: buckets } });
};

/** A repo's branches; none when it was deleted since it was listed. */
async function branchesOf(pfs: Pfs, repo: string): Promise<BranchRecord[]> {
  return pfs.branches.list(repo).catch((err: unknown) => {
    if (err instanceof RepoNotFound) return [];
    throw err;
  });
}
