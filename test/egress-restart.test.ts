// tuskd killed in the middle of a job's egress: the job stays unfinished, and
// after a restart on the same home it resumes, writes its output to the egress
// URL again and succeeds, leaving exactly one object per output file. Datums
// are run by a script through the real worker API (TUSK_RUNTIME=none); the
// egress goes through a proxy that holds the first upload, so the test knows
// the egress is in flight when it kills the daemon.
import { rm } from 'node:fs/promises';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { PpsClient, TuskClient, WorkerClient } from '../src/client/index.js';
import { startDaemon, type DaemonHandle } from './helpers/daemon.js';
import { S3FaultInjector } from './helpers/s3-fault-injector.js';
import { startS3rver, type S3rverHandle } from './helpers/s3rver.js';

let daemon: DaemonHandle | undefined;
let s3: S3rverHandle | undefined;
let injector: S3FaultInjector | undefined;
let home: string | undefined;
afterAll(async () => {
  await daemon?.stop();
  if (home) await rm(home, { recursive: true, force: true });
  await injector?.close();
  await s3?.stop();
});

function clients(d: DaemonHandle) {
  return { pfs: new TuskClient(d.address), pps: new PpsClient(d.address), worker: new WorkerClient(d.address) };
}

describe('a daemon killed mid-egress', () => {
  it('resumes the job after restart, egresses again and leaves one object per file', async () => {
    s3 = await startS3rver();
    const bucket = await s3.createBucket();
    injector = await S3FaultInjector.start(s3.endpoint);
    const env = { ...s3.env, TUSK_RUNTIME: 'none' };
    daemon = await startDaemon({ env });
    home = daemon.home;
    let c = clients(daemon);
    await c.pfs.createRepo('words');
    const url = `s3://${bucket}/out?endpoint=${encodeURIComponent(injector.endpoint)}`;
    await c.pps.createPipeline(JSON.stringify({ pipeline: { name: 'echo' }, transform: { cmd: ['true'] }, input: { pfs: { repo: 'words', glob: '/*' } }, egress: { URL: url } }));
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    const w = await c.pfs.modifyFile('words@master');
    for (const name of names) await w.putFile(`/${name}`, Buffer.from(name));
    const commit = (await w.close()).commit!;

    // The proxy holds the first upload it sees; `arrived` says the egress has started.
    let arrived!: () => void;
    const inFlight = new Promise<void>((resolve) => (arrived = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    injector.failNext(1, { kind: 'delay', until: gate }, ({ method }) => method === 'PUT' && (arrived(), true));

    const { tasks } = await c.worker.nextTasks('echo', 'w1', names.length, 2000);
    expect(tasks.length).toBe(names.length);
    const results = [];
    for (const task of tasks) {
      const up = c.worker.putDatumOutput({ pipeline: 'echo', job: task.job, datum: task.datum });
      await up.putFile(`/words${task.inputs[0]!.files[0]!.path}.txt`, Buffer.from(`done ${task.inputs[0]!.files[0]!.path}`));
      results.push({ job: task.job, datum: task.datum, success: true, reason: '', durationMs: 1, output: (await up.close()).output, logs: [], recovered: false, tries: 1 });
    }
    await c.worker.report('echo', 'w1', results);
    await inFlight;
    expect((await c.pps.inspectJob('echo', commit.id)).state).toBe('finishing');
    c.pfs.close(); c.pps.close(); c.worker.close();
    await daemon.kill();
    release();

    daemon = await startDaemon({ home, env });
    c = clients(daemon);
    const job = await c.pps.inspectJob('echo', commit.id, true);
    expect(job.state, job.reason).toBe('success');
    const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'out/' }));
    expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual(names.map((n) => `out/words/${n}.txt`));
    const logs: string[] = [];
    for await (const l of c.pps.logs({ pipeline: 'echo', job: commit.id })) logs.push(l.message);
    expect(logs.filter((m) => m.startsWith('egress: wrote'))).toEqual([`egress: wrote ${names.length} file(s), ${names.length * 7} bytes, to ${url}`]);
    c.pfs.close(); c.pps.close(); c.worker.close();
  });
});
