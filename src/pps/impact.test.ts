// Impact previews on the in-memory PFS and metadata store: what a commit or a
// spec would run, counted exactly where the inputs are known.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bytesOf } from '../pfs/test-pfs.js';
import { commitFiles, copyNames, openTestPps, specText, work, type TestPps } from './test-pps.js';

let t: TestPps;
beforeEach(async () => {
  t = await openTestPps();
  await t.pfs.repos.create('data');
  await commitFiles(t, 'data@master', { '/a': '1', '/b': '2' });
  for (const [name, input] of [['copy', { pfs: { repo: 'data', glob: '/*' } }], ['count', { pfs: { repo: 'copy', glob: '/' } }]] as const) {
    await t.pps.pipelines.create(specText(name, input));
    const [job] = await t.pps.listJobs(name);
    await work(t.pps, name, t.pps.jobs.wait(name, job!.id), copyNames);
  }
});
afterEach(async () => t.close());

describe('impact of a commit', () => {
  it('counts reused datums exactly all the way down when nothing would run', async () => {
    expect(await t.pps.impactOfRef('data@master')).toEqual([
      { pipeline: 'copy', branch: 'master', version: 1, datums: { total: 2, run: 0, reused: 2 }, exact: true, note: '' },
      { pipeline: 'count', branch: 'master', version: 1, datums: { total: 1, run: 0, reused: 1 }, exact: true, note: '' },
    ]);
  });

  it('counts the new datums of an open commit, and says the pipelines below cannot be counted yet', async () => {
    const open = await t.pfs.commits.start('data', 'master');
    const upload = await t.pfs.upload(`data@${open.id}`);
    await upload.putFile('/c', bytesOf('3'));
    await upload.commit();
    const jobsBefore = (await t.pps.listJobs()).length;
    expect(await t.pps.impactOfRef('data@master')).toEqual([
      { pipeline: 'copy', branch: 'master', version: 1, datums: { total: 3, run: 1, reused: 2 }, exact: true, note: '' },
      { pipeline: 'count', branch: 'master', version: 1, datums: null, exact: false, note: 'depends on the output of copy, which would run new datums' },
    ]);
    expect((await t.pps.listJobs()).length).toBe(jobsBefore);
  });
});

describe('impact of a spec', () => {
  it('counts what a new version would run, and every datum with reprocess', async () => {
    const spec = specText('copy', { pfs: { repo: 'data', glob: '/*' } }, { transform: { image: 'node:20', cmd: ['sh', '-c', 'echo changed'] } });
    const rows = await t.pps.impactOfSpec(spec);
    expect(rows[0]).toEqual({ pipeline: 'copy', branch: 'master', version: 2, datums: { total: 2, run: 2, reused: 0 }, exact: true, note: '' });
    expect(rows[1]).toMatchObject({ pipeline: 'count', exact: false });
    const same = await t.pps.impactOfSpec(specText('copy', { pfs: { repo: 'data', glob: '/*' } }), undefined, true);
    expect(same[0]).toMatchObject({ datums: { total: 2, run: 2, reused: 0 }, note: 'reprocess: every datum runs' });
  });

  it('refuses a spec reading a repo that does not exist', async () => {
    await expect(t.pps.impactOfSpec(specText('new', { pfs: { repo: 'nope', glob: '/*' } }))).rejects.toMatchObject({ code: 'RepoNotFound' });
  });
});
