// The coordinator inside a real tuskd, driven through its real gRPC worker API
// by a scripted worker in the test (TUSK_RUNTIME=none: the daemon starts no
// worker processes), so job planning, datum reuse, output merging, failures
// and provenance are checked independently of the worker and sidecar code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobNotFound, PpsClient, TuskClient, WorkerClient, type Task } from '../src/client/index.js';
import { startDaemon, type DaemonHandle } from './helpers/daemon.js';

let daemon: DaemonHandle;
let pfs: TuskClient;
let pps: PpsClient;
let worker: WorkerClient;

beforeAll(async () => {
  daemon = await startDaemon({ env: { TUSK_RUNTIME: 'none' } });
  pfs = new TuskClient(daemon.address);
  pps = new PpsClient(daemon.address);
  worker = new WorkerClient(daemon.address);
});
afterAll(async () => {
  pfs?.close();
  pps?.close();
  worker?.close();
  await daemon?.stop();
});

async function text(it: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const p of it) parts.push(Buffer.from(p));
  return Buffer.concat(parts).toString();
}

let inlined = 0;
let sent = 0;

/** Runs every task available for `pipeline` with `fn` deciding each datum's output files (or a failure). */
async function work(pipeline: string, fn: (task: Task, inputs: Record<string, string>) => Record<string, string> | Error): Promise<Task[]> {
  const done: Task[] = [];
  for (;;) {
    const { tasks } = await worker.nextTasks(pipeline, 'scripted-1', 100, 300);
    if (tasks.length === 0) return done;
    const results = [];
    for (const task of tasks) {
      const inputs: Record<string, string> = {};
      for (const input of task.inputs) {
        for (const f of input.files) {
          inputs[f.path] = await text(pfs.getFile(`${input.repo}@${input.commit}:${f.path}`));
          // Small files come inline with the task, the same bytes GetFile serves.
          if (f.inline) {
            expect(Buffer.from(f.data).toString()).toBe(inputs[f.path]);
            inlined++;
          }
        }
      }
      const out = fn(task, inputs);
      if (out instanceof Error) {
        results.push({ job: task.job, datum: task.datum, success: false, reason: out.message, durationMs: 1, output: '', inlineOutput: false, outputFiles: [], logs: [{ time: new Date().toISOString(), pipeline, job: task.job, datum: task.datum, stream: 'stderr', message: out.message }], recovered: false, tries: 1 });
        continue;
      }
      // Every other output rides inline with its result, as a worker sends small ones; the rest are uploaded.
      if ((sent++ & 1) === 0) {
        const outputFiles = Object.entries(out).map(([path, content]) => ({ path, data: Buffer.from(content) }));
        results.push({ job: task.job, datum: task.datum, success: true, reason: '', durationMs: 1, output: '', logs: [], recovered: false, tries: 1, inlineOutput: true, outputFiles });
        done.push(task);
        continue;
      }
      const upload = worker.putDatumOutput({ pipeline, job: task.job, datum: task.datum });
      for (const [path, content] of Object.entries(out)) await upload.putFile(path, Buffer.from(content));
      const { output } = await upload.close();
      results.push({ job: task.job, datum: task.datum, success: true, reason: '', durationMs: 1, output, logs: [], recovered: false, tries: 1, inlineOutput: false, outputFiles: [] });
      done.push(task);
    }
    await worker.report(pipeline, 'scripted-1', results);
  }
}

const upper = (_task: Task, inputs: Record<string, string>) => Object.fromEntries(Object.entries(inputs).map(([p, t]) => [p, t.toUpperCase()]));

const spec = (name: string, input: string, glob = '/*') => JSON.stringify({ pipeline: { name }, transform: { cmd: ['true'] }, input: { pfs: { repo: input, glob } } });

describe('jobs through the worker API', () => {
  it('runs a job per input commit, reusing every unchanged datum', async () => {
    await pfs.createRepo('letters');
    const w = await pfs.modifyFile('letters@master');
    for (const name of ['a', 'b', 'c']) await w.putFile(`/${name}.txt`, Buffer.from(name));
    const first = (await w.close()).commit!;
    await pps.createPipeline(spec('shout', 'letters'));
    // Creating the pipeline runs a job on the existing commit (a new global ID).
    expect((await work('shout', upper)).length).toBe(3);
    expect(inlined).toBe(3);
    const [job1] = await pps.listJobs('shout');
    const done1 = await pps.inspectJob('shout', job1!.id, true);
    expect(done1.state).toBe('success');
    expect(done1.datums).toMatchObject({ total: 3, processed: 3, skipped: 0 });
    expect(await text(pfs.getFile('shout@master:/b.txt'))).toBe('B');
    expect(first.id).toMatch(/^[0-9a-f]{32}$/);

    // One changed file: one datum runs, under the user commit's global ID.
    const second = await pfs.putFile('letters@master', '/b.txt', Buffer.from('bee'));
    const ran = await work('shout', upper);
    expect(ran.map((t) => t.inputs[0]!.files[0]!.path)).toEqual(['/b.txt']);
    const job2 = await pps.inspectJob('shout', second.commit!.id, true);
    expect(job2.datums).toMatchObject({ total: 3, processed: 1, skipped: 2 });
    const out = await pfs.inspectCommit(`shout@${second.commit!.id}`);
    expect(out.finished).not.toBe('');
    expect(out.provenance).toEqual([{ repo: 'letters', branch: 'master', id: second.commit!.id }]);
    expect(await text(pfs.getFile('shout@master:/b.txt'))).toBe('BEE');
    expect(await text(pfs.getFile('shout@master:/a.txt'))).toBe('A');
    const datums = [];
    for await (const d of pps.listDatums('shout', second.commit!.id)) datums.push(d);
    expect(datums.map((d) => d.state).sort()).toEqual(['skipped', 'skipped', 'success']);

    // The commit set holds the input and the output commit; provenance walks back to the user commit.
    expect((await pfs.inspectCommitSet(second.commit!.id)).map((c) => c.repo).sort()).toEqual(['letters', 'shout']);
    const prov = await pps.provenance(`shout@${second.commit!.id}`);
    expect(prov.pipeline).toBe('shout');
    expect(prov.children.map((c) => [c.commit!.repo, c.origin])).toEqual([['letters', 'user']]);
    const subv = await pps.subvenance(`letters@${second.commit!.id}`);
    expect(subv.children.map((c) => c.commit!.repo)).toEqual(['shout']);
  });

  it('runs the DAG on an experiment branch, reusing every unchanged datum and leaving master alone', async () => {
    await pfs.createBranch('letters@exp', 'letters@master');
    const before = await text(pfs.getFile('shout@master:/a.txt'));
    const exp = await pfs.putFile('letters@exp', '/a.txt', Buffer.from('ay'));
    const ran = await work('shout', upper);
    expect(ran.map((t) => t.inputs[0]!.files[0]!.path)).toEqual(['/a.txt']);
    const job = await pps.inspectJob('shout', exp.commit!.id, true);
    expect(job.branch).toBe('exp');
    expect(job.datums).toMatchObject({ total: 3, processed: 1, skipped: 2 });
    expect(await text(pfs.getFile('shout@exp:/a.txt'))).toBe('AY');
    expect(await text(pfs.getFile('shout@exp:/b.txt'))).toBe('BEE');
    expect(await text(pfs.getFile('shout@master:/a.txt'))).toBe(before);
    const diff = [];
    for await (const d of pfs.diffFile('shout@exp', 'shout@master')) diff.push([d.path, d.change]);
    expect(diff).toEqual([['/a.txt', 'modified']]);
  });

  it('fails a job whose datum failed and keeps the last good output', async () => {
    await pfs.createRepo('nums');
    await pps.createPipeline(spec('check', 'nums'));
    const good = await pfs.putFile('nums@master', '/1', Buffer.from('one'));
    await work('check', upper);
    expect((await pps.inspectJob('check', good.commit!.id, true)).state).toBe('success');
    const bad = await pfs.putFile('nums@master', '/2', Buffer.from('two'));
    await work('check', (task, inputs) => ('/2' in inputs ? new Error('exit code 3') : upper(task, inputs)));
    const job = await pps.inspectJob('check', bad.commit!.id, true);
    expect(job.state).toBe('failure');
    expect(job.reason).toMatch(/exit code 3/);
    const files = [];
    for await (const f of pfs.listFile('check@master')) files.push(f.path);
    expect(files).toEqual(['/1']);
    const logs = [];
    for await (const l of pps.logs({ pipeline: 'check', job: bad.commit!.id })) logs.push(l.message);
    expect(logs.join('\n')).toMatch(/exit code 3/);
  });

  it('fails a job when two datums write the same path, naming both', async () => {
    await pfs.createRepo('pairs');
    await pps.createPipeline(spec('clash', 'pairs'));
    const c = await pfs.modifyFile('pairs@master');
    await c.putFile('/x', Buffer.from('1'));
    await c.putFile('/y', Buffer.from('2'));
    const commit = (await c.close()).commit!;
    await work('clash', () => ({ '/same.txt': 'boom' }));
    const job = await pps.inspectJob('clash', commit.id, true);
    expect(job.state).toBe('failure');
    expect(job.reason).toMatch(/both wrote \/same\.txt/);
  });

  it('refuses specs with unknown inputs or cycles, naming the problem', async () => {
    await expect(pps.createPipeline(spec('orphan', 'nope'))).rejects.toMatchObject({ code: 'RepoNotFound' });
    await expect(pps.createPipeline(spec('loop', 'loop'))).rejects.toMatchObject({ code: 'PipelineCycle' });
    // A cycle through two pipelines: the message (with an arrow) reaches the client and the daemon keeps serving.
    await pps.createPipeline(spec('ping', 'letters'));
    await pps.createPipeline(spec('pong', 'ping'));
    await expect(pps.createPipeline(spec('ping', 'pong'), { update: true })).rejects.toMatchObject({ code: 'PipelineCycle', message: expect.stringMatching(/ping → pong → ping|pong → ping → pong/) });
    expect((await pfs.listRepos()).length).toBeGreaterThan(0);
    await expect(pps.createPipeline('{"pipeline":{"name":"x"},"transform":{"cmd":["a"]},"input":{"pfs":{"repo":"letters","glob":"[a"}}}')).rejects.toMatchObject({ code: 'InvalidSpec' });
    await expect(pfs.deleteRepo('letters')).rejects.toMatchObject({ code: 'InUse' });
  });

  it('ticks a cron input into its repo on schedule, replacing the last tick with overwrite', async () => {
    await pps.createPipeline(JSON.stringify({ pipeline: { name: 'clock' }, transform: { cmd: ['true'] }, input: { cron: { name: 'tick', spec: '@every 1s', overwrite: true } } }));
    const seen: string[] = [];
    const deadline = Date.now() + 45_000; // two ticks of a 1 s schedule, however slow this machine is
    while (seen.length < 2 && Date.now() < deadline) {
      for (const t of await work('clock', (_task, inputs) => ({ '/last': Object.keys(inputs).join(',') }))) seen.push(t.job);
    }
    expect(seen.length).toBeGreaterThanOrEqual(2);
    const files = [];
    for await (const f of pfs.listFile('clock_tick@master')) files.push(f.path);
    expect(files.length).toBe(1);
    expect(files[0]).toMatch(/^\/\d{4}-\d\d-\d\dT/);
    await pps.stopPipeline('clock');
  });

  it('hands a worker the spec of a pipeline version only when it does not have it yet, and refuses an output of an unknown job', async () => {
    await pfs.createRepo('specs-in');
    await pps.createPipeline(JSON.stringify({ pipeline: { name: 'specs' }, transform: { cmd: ['sh', '-c', 'cp -r /pfs/specs-in/* /pfs/out/'], env: { A: '1' } }, input: { pfs: { repo: 'specs-in', glob: '/*' } }, datum_tries: 2 }));
    const registered = await worker.register('specs', 'w-spec');
    expect(registered.spec).toMatchObject({ cmd: ['sh', '-c', 'cp -r /pfs/specs-in/* /pfs/out/'], env: { A: '1' }, datumTries: 2, datumTimeoutMs: 0, datumBatching: false });
    expect((await worker.nextTasks('specs', 'w-spec', 1, 0, 0)).spec).toEqual(registered.spec);
    expect((await worker.nextTasks('specs', 'w-spec', 1, 0, registered.pipelineVersion)).spec).toBeUndefined();
    const upload = worker.putDatumOutput({ pipeline: 'specs', job: 'nosuchjob', datum: 'd' });
    await expect(upload.close()).rejects.toBeInstanceOf(JobNotFound);
  });
});
