// The job state machine on the in-memory PFS and metadata store, with a fake
// clock for job_timeout: no daemon, no sleeping.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PpsStore } from './pps-store.js';
import { commitFiles, copyNames, openTestPps, specText, work, type TestPps } from './test-pps.js';

let t: TestPps;
beforeEach(async () => {
  t = await openTestPps();
  await t.pfs.repos.create('data');
  await commitFiles(t, 'data@master', { '/a': '1', '/b': '2' });
});
afterEach(async () => t.close());

describe('a job with more datums than it can plan', () => {
  it('fails with the reason, its output commit finished, and the pipeline runs its next job', async () => {
    const small = await openTestPps({ maxJobDatums: 3 });
    try {
      await small.pfs.repos.create('data');
      await commitFiles(small, 'data@master', { '/a': '1', '/b': '2' });
      const cross = { cross: [{ pfs: { repo: 'data', glob: '/*', name: 'x' } }, { pfs: { repo: 'data', glob: '/*', name: 'y' } }] };
      await small.pps.pipelines.create(specText('pairs', cross));
      const [job] = await small.pps.listJobs('pairs');
      const failed = await small.pps.jobs.wait('pairs', job!.id);
      expect(failed.state).toBe('failure');
      expect(failed.reason).toMatch(/^the input makes at least 4 datums \(a cross of 2 × 2\), more than the 3 one job can plan/);
      expect((await small.pfs.commits.mustGet('pairs', job!.id)).finished).not.toBeNull();
      const upload = await small.pfs.upload('data@master');
      upload.deleteFile('/b');
      const next = (await upload.commit()).commit.id;
      const done = await work(small.pps, 'pairs', small.pps.jobs.wait('pairs', next), copyNames);
      expect(done).toMatchObject({ state: 'success', datums: { total: 1, processed: 1 } });
    } finally {
      await small.close();
    }
  });
});

describe('job_timeout', () => {
  it('fails a job whose datums are not all in when its job_timeout passes on the clock', async () => {
    await t.pps.pipelines.create(specText('slow', { pfs: { repo: 'data', glob: '/*' } }, { job_timeout: '10m' }));
    const [job] = await t.pps.listJobs('slow');
    // A worker takes one datum and never reports it.
    const { tasks } = await t.pps.nextTasks('slow', 'stuck-worker', 1, 60_000);
    expect(tasks).toHaveLength(1);
    t.clock.advance(10 * 60_000 - 1);
    expect((await t.pps.jobs.get('slow', job!.id)).state).toBe('running');
    t.clock.advance(1);
    const done = await t.pps.jobs.wait('slow', job!.id);
    expect(done.state).toBe('failure');
    expect(done.reason).toBe('job timed out after 600000 ms');
    expect((await t.pfs.commits.mustGet('slow', job!.id)).finished).not.toBeNull();
    expect(t.logged).toContain('warn job_finished');
  });

  it('cancels the timeout of a job that finishes in time', async () => {
    await t.pps.pipelines.create(specText('quick', { pfs: { repo: 'data', glob: '/*' } }, { job_timeout: '10m' }));
    const [job] = await t.pps.listJobs('quick');
    const done = await work(t.pps, 'quick', t.pps.jobs.wait('quick', job!.id), copyNames);
    expect(done.state).toBe('success');
    expect(done.datums).toMatchObject({ total: 2, processed: 2 });
    expect(t.clock.waiting).toBe(0);
    t.clock.advance(60 * 60_000);
    expect((await t.pps.jobs.get('quick', job!.id)).state).toBe('success');
  });
});

describe('a job', () => {
  it('reuses the results of unchanged datums in the next job and runs only the new ones', async () => {
    await t.pps.pipelines.create(specText('copy', { pfs: { repo: 'data', glob: '/*' } }));
    const [first] = await t.pps.listJobs('copy');
    await work(t.pps, 'copy', t.pps.jobs.wait('copy', first!.id), copyNames);
    const id = await commitFiles(t, 'data@master', { '/c': '3' });
    const second = await work(t.pps, 'copy', t.pps.jobs.wait('copy', id), copyNames);
    expect(second.datums).toMatchObject({ total: 3, processed: 1, skipped: 2, failed: 0 });
    const out = await t.pfs.commits.mustGet('copy', id);
    expect(out.fileCount).toBe(3);
  });

  it('fails when a datum fails, naming the datum, and finishes its output commit unchanged', async () => {
    await t.pfs.repos.create('raw');
    await t.pps.pipelines.create(specText('first', { pfs: { repo: 'raw', glob: '/' } }));
    const id = await commitFiles(t, 'raw@master', { '/c': '3' });
    const { tasks } = await t.pps.nextTasks('first', 'w', 10, 60_000);
    const failing = tasks.find((task) => task.job === id)!;
    await t.pps.report('first', 'w', [{ job: id, datum: failing.datum, success: false, recovered: false, reason: 'exit 1', durationMs: 1, output: '', tries: 3 }], []);
    const failed = await t.pps.jobs.wait('first', id);
    expect(failed.state).toBe('failure');
    expect(failed.reason).toBe(`datum ${failing.datum} failed: exit 1`);
    const out = await t.pfs.commits.mustGet('first', id);
    expect(out.finished).not.toBeNull();
    expect(out.fileCount).toBe(0);
  });

  it('that fails keeps the last good output and kills the job below it, which keeps its own', async () => {
    await t.pfs.repos.create('raw');
    await t.pps.pipelines.create(specText('first', { pfs: { repo: 'raw', glob: '/*' } }));
    await t.pps.pipelines.create(specText('second', { pfs: { repo: 'first', glob: '/*' } }));
    await t.pps.pipelines.create(specText('third', { pfs: { repo: 'second', glob: '/*' } }));
    await t.pps.pipelines.create(specText('fourth', { pfs: { repo: 'third', glob: '/*' } }));
    const good = await commitFiles(t, 'raw@master', { '/a': '1' });
    let done = work(t.pps, 'first', t.pps.jobs.wait('first', good), copyNames);
    for (const p of ['second', 'third', 'fourth']) done = work(t.pps, p, done.then(() => t.pps.jobs.wait(p, good)), copyNames);
    await done;
    const id = await commitFiles(t, 'raw@master', { '/b': '2' });
    const { tasks } = await t.pps.nextTasks('first', 'w', 10, 60_000);
    const failing = tasks.find((task) => task.job === id)!;
    await t.pps.report('first', 'w', [{ job: id, datum: failing.datum, success: false, recovered: false, reason: 'exit 1', durationMs: 1, output: '', tries: 1 }], []);
    // A worker of `second` stands ready: the job below the failed one must not run anyway.
    const below = await work(t.pps, 'second', t.pps.jobs.wait('second', id), copyNames);
    expect((await t.pps.jobs.get('first', id)).state).toBe('failure');
    expect(below.state).toBe('killed');
    expect(below.reason).toBe(`input first@${id} comes from a job that did not succeed (failure)`);
    // Further down, each killed job names the job that failed, not only the killed one above it.
    expect((await t.pps.jobs.wait('third', id)).reason).toBe(`input second@${id} comes from a job that did not succeed (killed: first@${id} failed)`);
    expect((await t.pps.jobs.wait('fourth', id)).reason).toBe(`input third@${id} comes from a job that did not succeed (killed: first@${id} failed)`);
    for (const repo of ['first', 'second', 'third', 'fourth']) {
      const out = await t.pfs.commits.mustGet(repo, id);
      expect(out.finished).not.toBeNull();
      expect(out.tree).toBe((await t.pfs.commits.mustGet(repo, good)).tree);
    }
  });
});

describe("a job's datum records", () => {
  /** Counts the puts into the datums table from now on. */
  function countDatumPuts(): { puts: number } {
    const counted = { puts: 0 };
    const batch = t.meta.batch.bind(t.meta);
    t.meta.batch = (ops, options) => {
      counted.puts += ops.filter((op) => op.type === 'put' && op.table === 'pps-datums').length;
      return batch(ops, options);
    };
    return counted;
  }

  it('are written once per datum, with its result, and a running job lists and inspects its queued ones meanwhile', async () => {
    const counted = countDatumPuts();
    await t.pps.pipelines.create(specText('copy', { pfs: { repo: 'data', glob: '/*' } }));
    const [job] = await t.pps.listJobs('copy');
    const { tasks } = await t.pps.nextTasks('copy', 'w', 10, 60_000); // the job runs its datums now
    expect(tasks).toHaveLength(2);
    const queued = await t.pps.listDatums('copy', job!.id);
    expect(queued.map((d) => [d.state, d.files[0]!.path]).sort()).toEqual([['queued', '/a'], ['queued', '/b']]);
    expect(queued.map((d) => d.id)).toEqual(queued.map((d) => d.id).sort());
    expect(await t.pps.inspectDatum('copy', job!.id, queued[0]!.id)).toMatchObject({ state: 'queued', id: queued[0]!.id });
    // One datum's result is in: it is listed as stored, the other still queued.
    await t.pps.report('copy', 'w', [{ job: job!.id, datum: tasks[0]!.datum, success: true, recovered: false, reason: '', durationMs: 1, output: '', tries: 1 }], []);
    const half = await t.pps.listDatums('copy', job!.id);
    expect(half.map((d) => d.state).sort()).toEqual(['queued', 'success']);
    expect(half.find((d) => d.state === 'success')!.id).toBe(tasks[0]!.datum);
    await t.pps.report('copy', 'w', [{ job: job!.id, datum: tasks[1]!.datum, success: true, recovered: false, reason: '', durationMs: 1, output: '', tries: 1 }], []);
    expect((await t.pps.jobs.wait('copy', job!.id)).state).toBe('success');
    expect((await t.pps.listDatums('copy', job!.id)).map((d) => d.state)).toEqual(['success', 'success']);
    expect(counted.puts).toBe(2);
  });

  it('of datums without a result are stored queued when the job is stopped, and restart datum finds a queued one of a running job', async () => {
    await t.pps.pipelines.create(specText('copy', { pfs: { repo: 'data', glob: '/*' } }));
    const [job] = await t.pps.listJobs('copy');
    await t.pps.nextTasks('copy', 'w', 10, 60_000); // the job runs its datums now
    const [first] = await t.pps.listDatums('copy', job!.id);
    expect((await t.pps.control.restartDatum('copy', job!.id, first!.id)).id).toBe(job!.id);
    const stopped = await t.pps.control.stop('copy', job!.id);
    expect(stopped.state).toBe('killed');
    const stored = await new PpsStore(t.meta).listJobDatums('copy', job!.id);
    expect(stored.map((d) => [d.state, d.files[0]!.path]).sort()).toEqual([['queued', '/a'], ['queued', '/b']]);
    expect((await t.pps.listDatums('copy', job!.id)).map((d) => d.state)).toEqual(['queued', 'queued']);
  });
});

describe('a lost worker', () => {
  it('charges no try to datums started ahead in a group: they run again, each started alone, and a datum that kills its worker still fails after datum_tries', async () => {
    await t.pps.pipelines.create(specText('crashy', { pfs: { repo: 'data', glob: '/*' } }, { datum_tries: 2 }));
    const [job] = await t.pps.listJobs('crashy');
    const first = (await t.pps.nextTasks('crashy', 'w1', 10, 60_000)).tasks;
    expect(first).toHaveLength(2);
    t.pps.startedAhead('crashy', 'w1', first);
    await t.pps.jobs.workerLost('w1', 'killed');

    // Which of the group ran is not known: neither is charged, both come back to be started alone.
    const second = (await t.pps.nextTasks('crashy', 'w2', 10, 60_000)).tasks;
    expect(second.map((x) => [x.attempts, x.startAlone])).toEqual([
      [0, true],
      [0, true],
    ]);
    const [a, b] = second as [(typeof second)[0], (typeof second)[0]];
    // Started alone, `b` finishes; `a` kills its worker, which now charges it a try.
    t.pps.started('crashy', 'w2', b.job, b.datum);
    await t.pps.report('crashy', 'w2', [{ job: b.job, datum: b.datum, success: true, recovered: false, reason: '', durationMs: 1, output: '', tries: 1 }], []);
    t.pps.started('crashy', 'w2', a.job, a.datum);
    await t.pps.jobs.workerLost('w2', 'killed');
    const third = (await t.pps.nextTasks('crashy', 'w3', 10, 60_000)).tasks;
    expect(third.map((x) => [x.datum, x.attempts])).toEqual([[a.datum, 1]]);

    // Even told ahead in a group, a datum to be started alone is charged: the second loss ends it.
    t.pps.startedAhead('crashy', 'w3', third);
    await t.pps.jobs.workerLost('w3', 'killed');
    const done = await t.pps.jobs.wait('crashy', job!.id);
    expect(done.state).toBe('failure');
    expect(done.datums).toMatchObject({ total: 2, processed: 1, failed: 1 });
    expect(done.reason).toContain('the worker was lost 2 times');
  });

  it("with its running mark, charges a try only to the datum of the group it ran; the rest go back untouched, to be started ahead again", async () => {
    await commitFiles(t, 'data@master', { '/c': '3' });
    await t.pps.pipelines.create(specText('marked', { pfs: { repo: 'data', glob: '/*' } }, { datum_tries: 2 }));
    const [job] = await t.pps.listJobs('marked');
    const first = (await t.pps.nextTasks('marked', 'w1', 10, 60_000)).tasks;
    expect(first).toHaveLength(3);
    const [a, b, c] = first as [(typeof first)[0], (typeof first)[0], (typeof first)[0]];
    // One Started for the group; `a` finishes and is reported, `b` runs (the mark names it) when the worker is lost.
    t.pps.startedAhead('marked', 'w1', first);
    await t.pps.report('marked', 'w1', [{ job: a.job, datum: a.datum, success: true, recovered: false, reason: '', durationMs: 1, output: '', tries: 1 }], []);
    await t.pps.jobs.workerLost('w1', 'killed', { job: b.job, datum: b.datum });
    const second = (await t.pps.nextTasks('marked', 'w2', 10, 60_000)).tasks;
    expect(new Map(second.map((x) => [x.datum, [x.attempts, x.startAlone ?? false]]))).toEqual(
      new Map([
        [b.datum, [1, false]],
        [c.datum, [0, false]],
      ]),
    );

    // Lost again while running `b`: its second loss ends it (datum_tries 2); `c` was never charged.
    t.pps.startedAhead('marked', 'w2', second);
    await t.pps.jobs.workerLost('w2', 'killed', { job: b.job, datum: b.datum });
    const third = (await t.pps.nextTasks('marked', 'w3', 10, 60_000)).tasks;
    expect(third.map((x) => [x.datum, x.attempts])).toEqual([[c.datum, 0]]);
    t.pps.startedAhead('marked', 'w3', third);
    await t.pps.report('marked', 'w3', [{ job: c.job, datum: c.datum, success: true, recovered: false, reason: '', durationMs: 1, output: '', tries: 1 }], []);
    const done = await t.pps.jobs.wait('marked', job!.id);
    expect(done.state).toBe('failure');
    expect(done.datums).toMatchObject({ total: 3, processed: 2, failed: 1 });
    expect(done.reason).toContain('the worker was lost 2 times');
    const tries = new Map((await t.pps.listDatums('marked', job!.id)).map((d) => [d.id, d.tries]));
    expect([tries.get(a.datum), tries.get(c.datum)]).toEqual([1, 1]);
  });
});

describe('a paused pipeline', () => {
  /** A pipeline whose first job ran, then stopped, and the job a commit made since: as far as its run goes. */
  async function heldJob(name: string) {
    await t.pps.pipelines.create(specText(name, { pfs: { repo: 'data', glob: '/*' } }));
    const [first] = await t.pps.listJobs(name);
    await work(t.pps, name, t.pps.jobs.wait(name, first!.id), copyNames);
    await t.pps.pipelines.stop(name);
    await commitFiles(t, 'data@master', { '/c': '3' });
    const [job] = await t.pps.listJobs(name);
    expect(job!.id).not.toBe(first!.id);
    for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve)); // let its run go as far as it can
    return job!;
  }

  it('holds a new job in created until start pipeline, then runs it, reusing what it can', async () => {
    const job = await heldJob('held');
    expect((await t.pps.jobs.get('held', job.id)).state).toBe('created');
    await t.pps.pipelines.start('held');
    const done = await work(t.pps, 'held', t.pps.jobs.wait('held', job.id), copyNames);
    expect(done).toMatchObject({ state: 'success', datums: { total: 3, processed: 1, skipped: 2 } });
  });

  it('lets a held job be stopped, and a deleted pipeline drop it', async () => {
    const job = await heldJob('held2');
    await t.pps.control.stop('held2', job.id);
    expect(await t.pps.jobs.wait('held2', job.id)).toMatchObject({ state: 'killed' });
    await commitFiles(t, 'data@master', { '/d': '4' });
    await t.pps.pipelines.delete('held2');
    await expect(t.pps.pipelines.get('held2')).rejects.toMatchObject({ code: 'PipelineNotFound' });
  });
});
