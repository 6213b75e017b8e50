// tuskd killed in the middle of a job: after a restart on the same home the job
// resumes, datums that had finished are not run again, and the output is the
// same as an undisturbed run. Workers are scripted through the real worker API
// (TUSK_RUNTIME=none), so the test controls exactly when the daemon dies.
import { afterAll, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonHandle } from './helpers/daemon.js';
import { clients, text } from './helpers/scripted-pps.js';

let daemon: DaemonHandle | undefined;
afterAll(async () => daemon?.stop());

describe('a daemon killed mid-job', () => {
  it('resumes the job after restart without running finished datums again', async () => {
    daemon = await startDaemon({ env: { TUSK_RUNTIME: 'none' } });
    let c = clients(daemon);
    await c.pfs.createRepo('words');
    await c.pps.createPipeline(JSON.stringify({ pipeline: { name: 'echo' }, transform: { cmd: ['true'] }, input: { pfs: { repo: 'words', glob: '/*' } } }));
    const w = await c.pfs.modifyFile('words@master');
    for (const name of ['a', 'b', 'c', 'd']) await w.putFile(`/${name}`, Buffer.from(name));
    const commit = (await w.close()).commit!;

    // Finish two datums, then kill the daemon with the other two leased.
    const { tasks } = await c.worker.nextTasks('echo', 'w1', 4, 2000);
    expect(tasks.length).toBe(4);
    const results = [];
    for (const task of tasks.slice(0, 2)) {
      const up = c.worker.putDatumOutput({ pipeline: 'echo', job: task.job, datum: task.datum });
      await up.putFile(task.inputs[0]!.files[0]!.path, Buffer.from('done'));
      results.push({ job: task.job, datum: task.datum, success: true, reason: '', durationMs: 1, output: (await up.close()).output, logs: [], recovered: false, tries: 1 });
    }
    await c.worker.report('echo', 'w1', results);
    const finishedFirst = new Set(tasks.slice(0, 2).map((t) => t.datum));
    c.pfs.close(); c.pps.close(); c.worker.close();
    await daemon.kill();

    daemon = await startDaemon({ home: daemon.home, env: { TUSK_RUNTIME: 'none' } });
    c = clients(daemon);
    const again = await c.worker.nextTasks('echo', 'w2', 10, 5000);
    expect(again.tasks.map((t) => t.datum).sort()).toEqual(tasks.slice(2).map((t) => t.datum).sort());
    expect(again.tasks.some((t) => finishedFirst.has(t.datum))).toBe(false);
    const rest = [];
    for (const task of again.tasks) {
      const up = c.worker.putDatumOutput({ pipeline: 'echo', job: task.job, datum: task.datum });
      await up.putFile(task.inputs[0]!.files[0]!.path, Buffer.from('done'));
      rest.push({ job: task.job, datum: task.datum, success: true, reason: '', durationMs: 1, output: (await up.close()).output, logs: [], recovered: false, tries: 1 });
    }
    await c.worker.report('echo', 'w2', rest);
    const job = await c.pps.inspectJob('echo', commit.id, true);
    expect(job.state).toBe('success');
    expect(job.datums).toMatchObject({ total: 4, processed: 4, skipped: 0 });
    for (const name of ['a', 'b', 'c', 'd']) expect(await text(c.pfs.getFile(`echo@master:/${name}`))).toBe('done');
    c.pfs.close(); c.pps.close(); c.worker.close();
  });
});
