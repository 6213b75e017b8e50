// Creating, updating, stopping, starting and deleting pipelines, on the
// in-memory PFS and metadata store (no daemon, no workers).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commitFiles, copyNames, openTestPps, specText, work, type TestPps } from './test-pps.js';

let t: TestPps;
beforeEach(async () => {
  t = await openTestPps();
  await t.pfs.repos.create('data');
});
afterEach(async () => t.close());

const reads = (repo: string, glob = '/*') => ({ pfs: { repo, glob } });

describe('create and update', () => {
  it('creates a pipeline at version 1 with its output repo and branch, and refuses a second create', async () => {
    const p = await t.pps.pipelines.create(specText('edges', reads('data')));
    expect(p).toMatchObject({ name: 'edges', version: 1, state: 'running' });
    expect((await t.pfs.branches.list('edges')).map((b) => b.name)).toEqual(['master']);
    expect((await t.pfs.branches.list('data')).map((b) => b.name)).toEqual(['master']);
    await expect(t.pps.pipelines.create(specText('edges', reads('data')))).rejects.toMatchObject({ code: 'PipelineExists' });
    expect((await t.pps.pipelines.list()).map((x) => x.name)).toEqual(['edges']);
  });

  it('makes a new version on update, and refuses to update a pipeline that does not exist', async () => {
    await t.pps.pipelines.create(specText('edges', reads('data')));
    const updated = await t.pps.pipelines.create(specText('edges', reads('data', '/')), { update: true });
    expect(updated.version).toBe(2);
    expect(updated.spec.input).toMatchObject({ type: 'pfs', glob: '/' });
    await expect(t.pps.pipelines.create(specText('other', reads('data')), { update: true })).rejects.toMatchObject({ code: 'PipelineNotFound' });
  });

  it('keeps every version: history lists those that run now and the N latest superseded ones, newest first', async () => {
    await t.pps.pipelines.create(specText('edges', reads('data')));
    await t.pps.pipelines.create(specText('edges', reads('data', '/')), { update: true });
    await t.pps.pipelines.create(specText('edges', reads('data', '/b*')), { update: true });
    await t.pfs.branches.create('data', 'exp');
    await t.pps.pipelines.create(specText('edges', reads('data', '/a*')), { update: true, branch: 'exp' });
    const brief = (n: number) => t.pps.pipelines.history('edges', n).then((vs) => vs.map((v) => [v.version, v.runsOn.join(','), (v.spec.input as { glob?: string }).glob]));
    expect(await brief(0)).toEqual([[4, 'exp', '/a*'], [3, 'master', '/b*']]);
    expect(await brief(1)).toEqual([[4, 'exp', '/a*'], [3, 'master', '/b*'], [2, '', '/']]);
    expect(await brief(-1)).toEqual([[4, 'exp', '/a*'], [3, 'master', '/b*'], [2, '', '/'], [1, '', '/*']]);
    await expect(t.pps.pipelines.history('nope', 1)).rejects.toMatchObject({ code: 'PipelineNotFound' });
  });

  it('changes nothing on a dry run, on the main line or on a branch', async () => {
    await t.pps.pipelines.create(specText('edges', reads('data')));
    const checked = await t.pps.pipelines.create(specText('edges', reads('data', '/')), { update: true, dryRun: true });
    expect(checked.version).toBe(2);
    const onBranch = await t.pps.pipelines.create(specText('edges', reads('data', '/')), { update: true, branch: 'exp', dryRun: true });
    expect(onBranch.branches?.exp?.version).toBe(2);
    const kept = await t.pps.pipelines.get('edges');
    expect(kept.version).toBe(1);
    expect(kept.branches?.exp).toBeUndefined();
    expect(await t.pps.pipelines.create(specText('edges', reads('data', '/')), { update: true })).toMatchObject({ version: 2 });
  });

  it('refuses a missing input repo, a missing non-master input branch, its own output and a cycle, creating nothing', async () => {
    await expect(t.pps.pipelines.create(specText('p', reads('nope')))).rejects.toMatchObject({ code: 'RepoNotFound' });
    await expect(t.pps.pipelines.create(specText('p', { pfs: { repo: 'data', branch: 'dev', glob: '/*' } }))).rejects.toMatchObject({ code: 'BranchNotFound' });
    await expect(t.pps.pipelines.create(specText('p', reads('p')))).rejects.toMatchObject({ code: 'PipelineCycle' });
    await t.pps.pipelines.create(specText('a', reads('data')));
    await t.pps.pipelines.create(specText('b', reads('a')));
    await expect(t.pps.pipelines.create(specText('a', reads('b')), { update: true })).rejects.toMatchObject({ code: 'PipelineCycle' });
    expect((await t.pps.pipelines.get('a')).version).toBe(1);
    expect(await t.pfs.repos.find('p')).toBeUndefined();
  });

  it('runs a job at once on the input commits there are, then one per new commit', async () => {
    const first = await commitFiles(t, 'data@master', { '/x': '1', '/y': '2' });
    await t.pps.pipelines.create(specText('copy', reads('data')));
    const jobs = await t.pps.listJobs('copy');
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.inputs).toEqual([{ repo: 'data', branch: 'master', id: first }]);
    const done = await work(t.pps, 'copy', t.pps.jobs.wait('copy', jobs[0]!.id), copyNames);
    expect(done).toMatchObject({ state: 'success', datums: { total: 2, processed: 2 } });
    const second = await commitFiles(t, 'data@master', { '/z': '3' });
    expect((await t.pps.listJobs('copy')).map((j) => j.id)).toEqual([second, jobs[0]!.id]);
    expect((await t.pfs.commits.mustGet('copy', second)).provenance).toEqual([{ repo: 'data', branch: 'master', id: second }]);
  });

  it('with dry_run checks the spec and stores nothing', async () => {
    const p = await t.pps.pipelines.create(specText('dry', reads('data'), { dry_run: true }));
    expect(p.version).toBe(1);
    await expect(t.pps.pipelines.get('dry')).rejects.toMatchObject({ code: 'PipelineNotFound' });
    expect(await t.pfs.repos.find('dry')).toBeUndefined();
  });
});

describe('stop, start and delete', () => {
  it('pauses and restarts a pipeline', async () => {
    await t.pps.pipelines.create(specText('edges', reads('data')));
    expect((await t.pps.pipelines.stop('edges')).state).toBe('paused');
    expect((await t.pps.pipelines.get('edges')).state).toBe('paused');
    expect((await t.pps.pipelines.start('edges')).state).toBe('running');
    await expect(t.pps.pipelines.stop('nope')).rejects.toMatchObject({ code: 'PipelineNotFound' });
  });

  it('deletes a pipeline with its output repo; refuses while another pipeline reads it, unless forced', async () => {
    await commitFiles(t, 'data@master', { '/x': '1' });
    await t.pps.pipelines.create(specText('a', reads('data')));
    await t.pps.pipelines.create(specText('b', reads('a')));
    await expect(t.pps.pipelines.delete('a')).rejects.toMatchObject({ code: 'InUse' });
    await t.pps.pipelines.delete('b');
    expect(await t.pfs.repos.find('b')).toBeUndefined();
    await t.pps.pipelines.delete('a');
    expect(await t.pfs.repos.find('a')).toBeUndefined();
    await expect(t.pps.pipelines.delete('a')).rejects.toMatchObject({ code: 'PipelineNotFound' });
  });

  it('keeps the output repo with keepRepo, as a plain repo that a new pipeline of the name must not take over', async () => {
    await commitFiles(t, 'data@master', { '/x': '1' });
    await t.pps.pipelines.create(specText('kept', reads('data')));
    await t.pps.pipelines.delete('kept', false, true);
    await expect(t.pps.pipelines.get('kept')).rejects.toMatchObject({ code: 'PipelineNotFound' });
    expect(await t.pfs.repos.find('kept')).toBeDefined();
    expect((await t.pfs.branches.list('kept')).map((b) => b.name)).toEqual(['master']);
    await expect(t.pps.pipelines.create(specText('kept', reads('data')))).rejects.toMatchObject({ code: 'RepoExists' });
  });

  it('deletes a pipeline with a running job without leaving its job behind', async () => {
    await commitFiles(t, 'data@master', { '/x': '1' });
    await t.pps.pipelines.create(specText('copy', reads('data')));
    const [job] = await t.pps.listJobs('copy');
    // A worker takes the datum and never reports it: the job is running when the pipeline goes.
    expect((await t.pps.nextTasks('copy', 'stuck-worker', 1, 60_000)).tasks).toHaveLength(1);
    const waiting = expect(t.pps.jobs.wait('copy', job!.id)).rejects.toMatchObject({ code: 'JobNotFound' });
    await t.pps.pipelines.delete('copy');
    await waiting;
    expect(await t.pps.listJobs('copy')).toEqual([]);
    expect(await t.pps.listJobs()).toEqual([]);
    await t.pps.pipelines.create(specText('copy', reads('data')));
    expect(await t.pps.listJobs('copy')).toHaveLength(1);
  });

  it('deletes a pipeline whose job waits for its input without writing that job back later', async () => {
    await commitFiles(t, 'data@master', { '/x': '1' });
    await t.pps.pipelines.create(specText('a', reads('data')));
    await t.pps.pipelines.create(specText('b', reads('a')));
    const [upstream] = await t.pps.listJobs('a');
    await t.pps.pipelines.delete('b');
    // The job of `b` was waiting for the output of `a`'s job; that job now ends.
    await work(t.pps, 'a', t.pps.jobs.wait('a', upstream!.id), copyNames);
    await t.pps.pipelines.delete('a');
    expect(await t.pps.listJobs()).toEqual([]);
  });
});
