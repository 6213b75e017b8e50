// Uploads whose writer leaves its flush to the commit (S3 PUTs of small
// bodies): the commit group flushes their content beside the tree nodes,
// before it records the commits, and a failed flush records nothing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listAll } from '../storage/object-store.js';
import { INDEX_SUFFIX, PACK_PREFIX } from '../storage/pack-format.js';
import type { ContentWriter } from './deps.js';
import { readAll, openTestPfs, type TestPfs } from './test-pfs.js';

let t: TestPfs;
beforeEach(async () => {
  t = await openTestPfs();
  await t.pfs.repos.create('r');
});
afterEach(async () => t.close());

/** The S3 gateway's writer, counting its flushes and the commits recorded on r@master when each ran. */
function writer(failFlush = false): ContentWriter & { flushes: number[] } {
  const inner = t.content.sharedWriter();
  const flushes: number[] = [];
  return {
    flushWithCommit: true,
    flushes,
    writeFile: (source) => inner.writeFile(source),
    async flush() {
      flushes.push(await commitsOnMaster());
      if (failFlush) throw new Error('disk full');
      await inner.flush();
    },
  };
}

async function commitsOnMaster(): Promise<number> {
  return (await t.pfs.commits.list('r', 'master').catch(() => [])).length;
}

async function packs(): Promise<number> {
  let n = 0;
  for await (const key of listAll(t.objects, PACK_PREFIX)) if (!key.endsWith(INDEX_SUFFIX)) n++;
  return n;
}

type Put = { id: string; finished: unknown; flushes: number[] };

async function putAll(files: string[], failing?: number): Promise<PromiseSettledResult<Put>[]> {
  return Promise.allSettled(
    files.map(async (path, i) => {
      const w = writer(i === failing);
      const up = await t.pfs.upload('r@master', undefined, false, w);
      await up.putFile(path, Buffer.from(`bytes of ${path}`));
      const { commit } = await up.commit();
      return { id: commit.id, finished: commit.finished, flushes: w.flushes };
    }),
  );
}

describe('a commit group flushing its writes\u2019 content', () => {
  it('flushes each write once, before any commit of its group is recorded, in one pack with the tree nodes', async () => {
    const files = Array.from({ length: 10 }, (_, i) => `/d/f${i}`);
    const results = await putAll(files);
    const commits = results.map((r) => (r.status === 'fulfilled' ? r.value : undefined));
    expect(commits.every(Boolean)).toBe(true);
    // At its flush, a write's commit and every later one were not recorded yet.
    const history = (await t.pfs.commits.list('r', 'master')).map((c) => c.id).reverse();
    for (const c of commits) expect(c!.flushes).toEqual([expect.any(Number)]);
    for (const c of commits) expect(c!.flushes[0]).toBeLessThanOrEqual(history.indexOf(c!.id));
    // Commits of one group share their finish time; each group wrote one pack, content and nodes together.
    const groups = new Set(commits.map((c) => String(c!.finished)));
    expect(await packs()).toBe(groups.size);
    expect((await t.pfs.commits.list('r', 'master')).length).toBe(10);
    for (const path of files) expect(await readAll((await t.pfs.files.get(`r@master:${path}`)).data)).toBe(`bytes of ${path}`);
  });

  it('records nothing of a group whose content flush failed, and the next write works', async () => {
    const results = await putAll(['/a', '/b', '/c'], 1);
    expect(results.some((r) => r.status === 'rejected' && String(r.reason).includes('disk full'))).toBe(true);
    // The failed write's group recorded none of its commits: whatever was recorded came from other groups.
    const recorded = new Set((await t.pfs.commits.list('r', 'master').catch(() => [])).map((c) => c.id));
    for (const r of results) if (r.status === 'fulfilled') expect(recorded.has(r.value.id)).toBe(true);
    expect(recorded.size).toBe(results.filter((r) => r.status === 'fulfilled').length);
    await putAll(['/d']);
    expect(await readAll((await t.pfs.files.get('r@master:/d')).data)).toBe('bytes of /d');
  });

  it('into a commit open on the branch: flushed before the write goes in', async () => {
    const open = await t.pfs.commits.start('r', 'master');
    const w = writer();
    const up = await t.pfs.upload('r@master', undefined, false, w);
    await up.putFile('/x', Buffer.from('x'));
    await up.commit();
    expect(w.flushes.length).toBe(1);
    await t.pfs.commits.finish(`r@${open.id}`);
    expect(await readAll((await t.pfs.files.get('r@master:/x')).data)).toBe('x');
  });
});
