// TUSK_RUNTIME=kubernetes end to end through the real @kubernetes/client-node,
// against the STAND-IN API server and kubelet (stand-in-*.ts): the README's
// word-count DAG gives byte-identical output to the local runtime; a pod killed
// mid-datum loses only that datum's run; autoscaling scales to zero and back;
// a memory_volume /pfs (a tmpfs of its own) still switches datums by renames.
// What a stand-in cannot show (image pulls, a real scheduler, cgroups, pod
// networking) is listed in the README's "Run on Kubernetes".
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ROOT, startDaemon } from '../helpers/daemon.js';
import { tusk, tuskJson } from '../helpers/tusk-cli.js';
import { hasBwrap, IMAGE, StandInCluster, until } from './stand-in-cluster.js';

// Each test runs whole jobs in pods (the first one the word-count DAG twice): slow when the machine is busy.
vi.setConfig({ testTimeout: 240_000 });

if (!hasBwrap) console.warn('kubernetes-runtime.test: skipped, the stand-in kubelet needs a working bubblewrap to give user code a literal /pfs');

const WORDCOUNT = join(ROOT, 'examples/wordcount');

/** Every file of a commit: path and content hash. */
async function files(env: NodeJS.ProcessEnv, ref: string): Promise<string[]> {
  const list = await tuskJson<{ path: string; type: string; hash: string }[]>(['glob', 'file', `${ref}:/**`], { env });
  return list.filter((f) => f.type === 'file').map((f) => `${f.path} ${f.hash}`).sort();
}

async function wordcount(env: NodeJS.ProcessEnv): Promise<{ counts: string[]; top: string[]; topText: string }> {
  const run = async (args: string[]) => {
    const r = await tusk(args, { env, timeoutMs: 120_000 });
    if (r.code !== 0) throw new Error(`tusk ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  await run(['create', 'repo', 'docs']);
  await run(['create', 'pipeline', '-f', join(WORDCOUNT, 'count.yaml')]);
  await run(['create', 'pipeline', '-f', join(WORDCOUNT, 'top.yaml')]);
  await run(['put', 'file', 'docs@master', '-f', join(WORDCOUNT, 'docs'), '-r']);
  await run(['wait', 'commit', 'top@master']);
  return { counts: await files(env, 'counts@master'), top: await files(env, 'top@master'), topText: await run(['get', 'file', 'top@master:/top.txt']) };
}

describe.skipIf(!hasBwrap)('TUSK_RUNTIME=kubernetes against the stand-in API server and kubelet: pipelines run in pods', () => {
  let k: StandInCluster;
  beforeAll(async () => {
    k = await StandInCluster.start();
  });
  afterAll(async () => {
    await k?.stop();
  });

  it('runs the word-count DAG in pods, with output byte-identical to the local runtime', async () => {
    const local = await startDaemon();
    let expected;
    try {
      expected = await wordcount(local.env);
    } finally {
      await local.stop();
    }
    const got = await wordcount(k.daemon.env);
    expect(got).toEqual(expected);
    expect(got.topText).toMatch(/^\s+\d+ the\n/);
    // One workload per pipeline version, its pods running the tusk image around the user's image.
    expect(k.rcs()).toEqual(['tusk-counts-v1 x1', 'tusk-top-v1 x1']);
    expect(k.kubelet.images).toEqual(expect.arrayContaining([IMAGE, 'node:20-bookworm-slim']));
    const inspect = await tuskJson(['inspect', 'pipeline', 'counts'], { env: k.daemon.env });
    expect(inspect.workers).toBe(1);
    expect(k.api.requests).toContain('GET /api/v1/namespaces/tusk-test/pods?watch');
  });

  it('right-sizing: the peak memory and CPU time of every datum are measured, summarised by inspect pipeline and proposed by render --right-size', async () => {
    const [job] = await tuskJson<any[]>(['list', 'job', '-p', 'counts'], { env: k.daemon.env });
    const datums = await tuskJson<any[]>(['list', 'datum', `counts@${job.id}`], { env: k.daemon.env });
    const d = await tuskJson(['inspect', 'datum', `counts@${job.id}`, datums[0].id], { env: k.daemon.env });
    // The user code is a Node process: tens of MB resident, some CPU.
    expect(d.peakMemoryBytes).toBeGreaterThan(10e6);
    expect(d.cpuMs).toBeGreaterThan(0);
    const p = await tuskJson(['inspect', 'pipeline', 'counts'], { env: k.daemon.env });
    expect(p.datumUsage.datums).toBe(3);
    expect(p.datumUsage.peakMemoryBytes.max).toBeGreaterThanOrEqual(p.datumUsage.peakMemoryBytes.p50);
    const table = await tusk(['inspect', 'pipeline', 'counts'], { env: k.daemon.env });
    expect(table.stdout).toMatch(/Datum memory: +p50 [\d.]+ MiB, p95 [\d.]+ MiB, max [\d.]+ MiB \(3 datums\)/);
    const render = await tusk(['render', 'pipeline', '-f', join(WORDCOUNT, 'count.yaml'), '--right-size', '-o', 'json'], { env: k.daemon.env });
    expect(render.code, render.stderr).toBe(0);
    const requests = JSON.parse(render.stdout).spec.template.spec.containers[0].resources.requests;
    expect(requests.memory).toBe(`${Math.max(16, Math.ceil((p.datumUsage.peakMemoryBytes.p95 * 1.25) / 1024 ** 2))}Mi`);
    expect(Number(requests.cpu)).toBeGreaterThan(0);
    expect(render.stderr).toMatch(/^counts: resource_requests cpu [\d.]+, memory \d+Mi \(from 3 datums/);
  });

  it('a pod killed mid-datum loses only that run: the datum is retried in the new pod and the job succeeds', async () => {
    const spec = {
      pipeline: { name: 'slow' },
      input: { pfs: { repo: 'docs', glob: '/*' } },
      transform: { cmd: ['sh', '-c', 'sleep 1; cp "$docs" /pfs/out/'] },
    };
    await writeFile(join(k.dir, 'slow.json'), JSON.stringify(spec));
    expect((await tusk(['create', 'pipeline', '-f', join(k.dir, 'slow.json')], { env: k.daemon.env })).code).toBe(0);
    const [first] = await until('a slow pod running', () => (k.runningPods('tusk-slow-v1').length ? k.runningPods('tusk-slow-v1') : undefined));
    // Wait until the worker is inside a datum, then delete the pod (kubectl delete pod).
    await until('a datum running', async () => {
      const jobs = await tuskJson<any[]>(['list', 'job', '-p', 'slow'], { env: k.daemon.env });
      return jobs[0]?.state === 'running' ? true : undefined;
    });
    await new Promise((r) => setTimeout(r, 400));
    k.api.deletePod(first!.metadata.name);
    const job = await tuskJson(['wait', 'job', `slow@${(await tuskJson<any[]>(['list', 'job', '-p', 'slow'], { env: k.daemon.env }))[0].id}`], { env: k.daemon.env, timeoutMs: 120_000 });
    expect(job.state).toBe('success');
    expect(job.datums.processed + job.datums.skipped).toBe(3);
    expect(await files(k.daemon.env, 'slow@master')).toEqual((await files(k.daemon.env, 'docs@master')));
    expect(k.daemon.logs()).toContain('worker_pod_gone');
    expect(k.pods('tusk-slow-v1').map((p) => p.metadata.name)).not.toContain(first!.metadata.name);
  });

  it('autoscaling: zero pods while idle, pods while a job has datums, zero again after', async () => {
    const spec = { pipeline: { name: 'auto' }, input: { pfs: { repo: 'docs', glob: '/*' } }, transform: { cmd: ['sh', '-c', 'cp "$docs" /pfs/out/'] }, autoscaling: true, parallelism_spec: { constant: 2 } };
    await writeFile(join(k.dir, 'auto.json'), JSON.stringify(spec));
    expect((await tusk(['create', 'pipeline', '-f', join(k.dir, 'auto.json')], { env: k.daemon.env })).code).toBe(0);
    await tusk(['wait', 'commit', 'auto@master'], { env: k.daemon.env, timeoutMs: 120_000 });
    expect(await files(k.daemon.env, 'auto@master')).toEqual(await files(k.daemon.env, 'docs@master'));
    expect(k.daemon.logs()).toMatch(/"workload_scaled".*"pipeline":"auto","replicas":2/);
    await until('auto scaled to zero', () => (k.rcs().includes('tusk-auto-v1 x0') && k.pods('tusk-auto-v1').length === 0 ? true : undefined));
    // New data: back up to two pods, the job runs, and down to zero again.
    await tusk(['put', 'file', 'docs@master:/more.txt', '-f', '-'], { env: k.daemon.env, input: 'more words here\n' });
    await tusk(['wait', 'commit', 'auto@master'], { env: k.daemon.env, timeoutMs: 120_000 });
    expect(await files(k.daemon.env, 'auto@master')).toContainEqual(expect.stringMatching(/^\/more\.txt /));
    await until('auto scaled to zero again', () => (k.rcs().includes('tusk-auto-v1 x0') ? true : undefined));
  });

  it('memory_volume: /pfs is a tmpfs apart from the pod\'s other volumes, and datums still switch by renames (staged in /pfs/.scratch)', async () => {
    expect((await tusk(['create', 'repo', 'notes'], { env: k.daemon.env })).code).toBe(0);
    for (const n of ['a', 'b', 'c']) expect((await tusk(['put', 'file', `notes@master:/${n}.txt`, '-f', '-'], { env: k.daemon.env, input: `note ${n}\n` })).code).toBe(0);
    const spec = { pipeline: { name: 'inmem' }, input: { pfs: { repo: 'notes', glob: '/*' } }, transform: { cmd: ['sh', '-c', 'cp "$notes" /pfs/out/'], memory_volume: true } };
    await writeFile(join(k.dir, 'inmem.json'), JSON.stringify(spec));
    expect((await tusk(['create', 'pipeline', '-f', join(k.dir, 'inmem.json')], { env: k.daemon.env })).code).toBe(0);
    const job = await until('an inmem job', async () => (await tuskJson<any[]>(['list', 'job', '-p', 'inmem'], { env: k.daemon.env }))[0]);
    const done = await tuskJson(['wait', 'job', `inmem@${job.id}`], { env: k.daemon.env, timeoutMs: 120_000 });
    expect(done.state).toBe('success');
    expect(await files(k.daemon.env, 'inmem@master')).toEqual(await files(k.daemon.env, 'notes@master'));
  });
});
