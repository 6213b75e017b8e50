// tuskd killed (SIGKILL) while datum results wait for the durable point of
// their outputs (reports close together share one, src/pps/durable-point.ts):
// after a restart on the same home the job finished before is intact, results
// recorded before the kill are not run again, no recorded result points at an
// output that is missing, and the job ends with every datum's output. Workers
// are scripted through the real worker API (TUSK_RUNTIME=none), so the test
// decides when the daemon dies.
import { afterAll, describe, expect, it } from 'vitest';
import type { Task } from '../src/client/index.js';
import { startDaemon, type DaemonHandle } from './helpers/daemon.js';
import { clients, text } from './helpers/scripted-pps.js';

let daemon: DaemonHandle | undefined;
afterAll(async () => daemon?.stop());

type Clients = ReturnType<typeof clients>;

function close(c: Clients): void {
  c.pfs.close();
  c.pps.close();
  c.worker.close();
}

const nameOf = (task: Task) => task.inputs[0]!.files[0]!.path.slice(1);

/** Runs tasks the way a worker would: each datum's output is `done <name>` at its input's path. */
async function results(c: Clients, tasks: Task[]) {
  const out = [];
  for (const task of tasks) {
    const up = c.worker.putDatumOutput({ pipeline: 'echo', job: task.job, datum: task.datum });
    await up.putFile(`/${nameOf(task)}`, Buffer.from(`done ${nameOf(task)}`));
    out.push({ job: task.job, datum: task.datum, success: true, reason: '', durationMs: 1, output: (await up.close()).output, logs: [], recovered: false, tries: 1 });
  }
  return out;
}

async function putWords(c: Clients, names: string[]): Promise<string> {
  const w = await c.pfs.modifyFile('words@master');
  for (const name of names) await w.putFile(`/${name}`, Buffer.from(name));
  return (await w.close()).commit!.id;
}

describe('a daemon killed while results wait for their outputs to be durable', () => {
  it('keeps the finished job, reruns only unrecorded datums, and ends with every output', async () => {
    daemon = await startDaemon({ env: { TUSK_RUNTIME: 'none' } });
    let c = clients(daemon);
    await c.pfs.createRepo('words');
    await c.pps.createPipeline(JSON.stringify({ pipeline: { name: 'echo' }, transform: { cmd: ['true'] }, input: { pfs: { repo: 'words', glob: '/*' } } }));

    // A first job, finished.
    const first = await putWords(c, ['a', 'b']);
    const firstTasks = (await c.worker.nextTasks('echo', 'w1', 10, 5000)).tasks;
    expect(firstTasks.length).toBe(2);
    await c.worker.report('echo', 'w1', await results(c, firstTasks));
    expect((await c.pps.inspectJob('echo', first, true)).state).toBe('success');
    const firstOutput = (await c.pfs.inspectCommit('echo@master')).id;

    // A second job: two results recorded, then two more sent right behind them (they wait for the
    // next durable point), and the daemon killed with those and two more datums outstanding.
    const second = await putWords(c, ['c', 'd', 'e', 'f', 'g', 'h']);
    const tasks = (await c.worker.nextTasks('echo', 'w1', 10, 5000)).tasks;
    expect(tasks.map(nameOf).sort()).toEqual(['c', 'd', 'e', 'f', 'g', 'h']);
    await c.worker.report('echo', 'w1', await results(c, tasks.slice(0, 2)));
    const recorded = new Set(tasks.slice(0, 2).map((t) => t.datum));
    const inFlight = c.worker.report('echo', 'w1', await results(c, tasks.slice(2, 4))).catch(() => undefined);
    await c.worker.nextTasks('echo', 'w1', 1, 0);
    close(c);
    await daemon.kill();
    await inFlight;

    daemon = await startDaemon({ home: daemon.home, env: { TUSK_RUNTIME: 'none' } });
    c = clients(daemon);
    // The finished job and its output commit are as they were.
    expect((await c.pps.inspectJob('echo', first, true)).state).toBe('success');
    expect((await c.pfs.inspectCommit(`echo@${firstOutput}`)).finished).not.toBe('');
    for (const name of ['a', 'b']) expect(await text(c.pfs.getFile(`echo@${firstOutput}:/${name}`))).toBe(`done ${name}`);

    // Recorded results are not run again; the rest are handed out again and finish the job.
    const again = (await c.worker.nextTasks('echo', 'w2', 10, 5000)).tasks;
    expect(again.some((t) => recorded.has(t.datum))).toBe(false);
    expect(again.map(nameOf)).toEqual(expect.arrayContaining(['g', 'h']));
    await c.worker.report('echo', 'w2', await results(c, again));
    const job = await c.pps.inspectJob('echo', second, true);
    expect(job.state).toBe('success');
    expect(job.datums).toMatchObject({ total: 8, processed: 6, skipped: 2, failed: 0 });
    // Every output is readable: none of the recorded results points at an output lost in the crash.
    for (const name of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']) expect(await text(c.pfs.getFile(`echo@master:/${name}`))).toBe(`done ${name}`);
    close(c);
  });
});
