// Experiments on the in-memory PFS and metadata store: a branch run through the
// DAG, compared with the main line, promoted (or refused) as a whole, listed
// and deleted.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commitFiles, copyNames, openTestPps, specText, work, type TestPps } from './test-pps.js';

let t: TestPps;
let base: string;
/** The main line's output commit. */
let copyBase: string;
beforeEach(async () => {
  t = await openTestPps();
  await t.pfs.repos.create('data');
  base = await commitFiles(t, 'data@master', { '/a': 'aaa' });
  await t.pps.pipelines.create(specText('copy', { pfs: { repo: 'data', glob: '/*' } }));
  const [first] = await t.pps.listJobs('copy');
  await work(t.pps, 'copy', t.pps.jobs.wait('copy', first!.id), copyNames);
  copyBase = first!.id;
  await t.pfs.branches.create('data', 'exp', `data@${base}`);
});
afterEach(async () => t.close());

/** Commits to data@exp and runs the experiment's job below it. */
async function experimentCommit(files: Record<string, string>): Promise<string> {
  const id = await commitFiles(t, 'data@exp', files);
  const job = await work(t.pps, 'copy', t.pps.jobs.wait('copy', id), copyNames);
  expect(job).toMatchObject({ state: 'success', branch: 'exp' });
  return id;
}

describe('experiments', () => {
  it('runs the DAG on the branch and diffs every repo of it against the main line', async () => {
    const id = await experimentCommit({ '/b': 'bb', '/a': 'changed' });
    expect((await t.pfs.branches.find('copy', 'exp'))?.head).toBe(id);
    const rows = await t.pps.experiments.diff('exp');
    expect(rows.map((r) => [r.repo, r.base, r.head, r.baseHead])).toEqual([
      ['copy', 'master', id, copyBase],
      ['data', 'master', id, base],
    ]);
    // The copy of /a holds its path only: unchanged although /a changed.
    expect(rows[0]).toMatchObject({ added: 1, modified: 0, deleted: 0, pipeline: { version: 1, baseVersion: 1 } });
    expect(rows[1]).toMatchObject({ added: 1, modified: 1, deleted: 0, bytesAdded: 2, bytesModified: 7 });
  });

  it('promotes a fast-forward: main-line branches move to the experiment heads and branch versions become the main ones', async () => {
    await t.pps.pipelines.create(specText('copy', { pfs: { repo: 'data', glob: '/' } }), { branch: 'exp' });
    const [onBranch] = (await t.pps.listJobs('copy')).filter((j) => j.branch === 'exp');
    await work(t.pps, 'copy', t.pps.jobs.wait('copy', onBranch!.id), copyNames);
    const id = await experimentCommit({ '/b': 'bb' });
    const result = await t.pps.experiments.promote('exp');
    expect(result.moved).toEqual([
      { repo: 'copy', branch: 'master', from: copyBase, to: id },
      { repo: 'data', branch: 'master', from: base, to: id },
    ]);
    expect(result.pipelines).toEqual([{ name: 'copy', from: 1, to: 2 }]);
    expect((await t.pfs.branches.find('data', 'master'))?.head).toBe(id);
    const copy = await t.pps.pipelines.get('copy');
    expect(copy).toMatchObject({ version: 2, branches: {} });
    expect(copy.spec.outputBranch).toBe('master');
  });

  it('refuses to promote when the main line moved, or the experiment has an open commit, changing nothing', async () => {
    await experimentCommit({ '/b': 'bb' });
    const moved = await commitFiles(t, 'data@master', { '/m': 'm' });
    await expect(t.pps.experiments.promote('exp')).rejects.toMatchObject({ code: 'NotFastForward' });
    expect((await t.pfs.branches.find('data', 'master'))?.head).toBe(moved);
    await t.pfs.commits.start('data', 'exp');
    await expect(t.pps.experiments.promote('exp')).rejects.toMatchObject({ code: 'ExperimentRunning' });
    await expect(t.pps.experiments.diff('nope')).rejects.toMatchObject({ code: 'ExperimentNotFound' });
  });

  it('lists experiments: branches off the main line and branch versions, not main-line or staging branches', async () => {
    const id = await experimentCommit({ '/b': 'bb' });
    await t.pps.pipelines.create(specText('copy', { pfs: { repo: 'data', glob: '/' } }), { branch: 'solo' });
    await t.pfs.branches.create('data', 'staging');
    await t.pfs.branches.create('data', 'master', undefined, { branch: 'staging', all: false, cronSpec: '', size: '', commits: 2 });
    await t.pfs.repos.create('loose');
    await t.pfs.branches.create('loose', 'feature');
    const list = await t.pps.experiments.list();
    expect(list.map((e) => [e.branch, e.repos, e.pipelines, e.open])).toEqual([
      ['exp', ['copy', 'data'], [], []],
      // A version made for a branch starts its job there at once: its output commit is open until a worker runs it.
      ['solo', ['copy'], [{ name: 'copy', version: 2 }], ['copy@solo']],
    ]);
    expect(list[0]!.updated).toBe((await t.pfs.commits.find('copy', id))!.finished);
    await t.pfs.commits.start('data', 'exp');
    expect((await t.pps.experiments.list())[0]!.open).toEqual(['data@exp']);
  });

  it('deletes an experiment: its branches and pipeline versions go, the main line and the commits stay', async () => {
    await t.pps.pipelines.create(specText('copy', { pfs: { repo: 'data', glob: '/' } }), { branch: 'exp' });
    const [onBranch] = (await t.pps.listJobs('copy')).filter((j) => j.branch === 'exp');
    await work(t.pps, 'copy', t.pps.jobs.wait('copy', onBranch!.id), copyNames);
    const id = await experimentCommit({ '/b': 'bb' });
    await t.pfs.commits.start('data', 'exp');
    await expect(t.pps.experiments.delete('exp')).rejects.toMatchObject({ code: 'ExperimentRunning', message: expect.stringContaining('cannot delete exp') });
    expect(await t.pfs.branches.find('copy', 'exp')).toBeDefined();
    await t.pfs.commits.finish('data@exp');
    await work(t.pps, 'copy', t.pps.jobs.wait('copy', (await t.pfs.branches.find('data', 'exp'))!.head), copyNames);
    const result = await t.pps.experiments.delete('exp');
    expect(result.branches.map((b) => b.repo)).toEqual(['data', 'copy']);
    expect(result.pipelines).toEqual([{ name: 'copy', version: 2 }]);
    expect(await t.pfs.branches.find('data', 'exp')).toBeUndefined();
    expect(await t.pfs.branches.find('copy', 'exp')).toBeUndefined();
    expect(await t.pps.pipelines.get('copy')).toMatchObject({ version: 1, branches: {} });
    expect((await t.pfs.branches.find('data', 'master'))?.head).toBe(base);
    expect((await t.pfs.commits.find('data', id))?.finished).toBeTruthy();
    expect(await t.pps.experiments.list()).toEqual([]);
    await expect(t.pps.experiments.delete('exp')).rejects.toMatchObject({ code: 'ExperimentNotFound' });
  });
});
