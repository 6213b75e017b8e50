// ListBuckets: every branch of every repo, as `BRANCH.REPO`. A bucket's
// creation date is its head commit's time (or the repo's creation).
import type { Operation } from '../context.js';
import { isoTime, sendXml } from '../respond.js';

export const listBuckets: Operation = async (deps, r) => {
  const buckets: { Name: string; CreationDate: string }[] = [];
  for (const repo of await deps.pfs.ctx.meta.listRepos()) {
    for (const branch of await deps.pfs.ctx.meta.listBranches(repo.name)) {
      const head = branch.head ? await deps.pfs.ctx.meta.getCommit(repo.name, branch.head) : undefined;
      const time = head ? head.finished ?? head.started : repo.created;
      buckets.push({ Name: `${branch.name}.${repo.name}`, CreationDate: isoTime(new Date(time)) });
    }
  }
  buckets.sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
  const owner = { ID: r.identity.accessKey ?? 'anonymous', DisplayName: r.identity.accessKey ?? 'anonymous' };
  sendXml(r.res, 200, 'ListAllMyBucketsResult', { Owner: owner, Buckets: { Bucket: buckets } });
};
