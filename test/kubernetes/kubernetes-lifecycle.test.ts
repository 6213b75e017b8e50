// TUSK_RUNTIME=kubernetes end to end against the STAND-IN API server and
// kubelet (stand-in-*.ts): an update rolls the pods, a restarted tuskd adopts
// its pods and deletes the workloads of deleted pipelines (and no others), and
// what keeps pods from running (a missing image, no glibc, no node fits, a
// memory limit) shows Kubernetes' reason instead of a hang.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { tusk, tuskJson } from '../helpers/tusk-cli.js';
import { hasBwrap, StandInCluster, until } from './stand-in-cluster.js';

// Each test runs whole jobs in pods (the first one the word-count DAG twice): slow when the machine is busy.
vi.setConfig({ testTimeout: 240_000 });

if (!hasBwrap) console.warn('kubernetes-lifecycle.test: skipped, the stand-in kubelet needs a working bubblewrap to give user code a literal /pfs');

describe.skipIf(!hasBwrap)('TUSK_RUNTIME=kubernetes against the stand-in API server and kubelet: workload lifecycle and failures', () => {
  let k: StandInCluster;
  beforeAll(async () => {
    k = await StandInCluster.start();
  });
  afterAll(async () => {
    await k?.stop();
  });

  it('an update rolls the pods to a new workload; a restarted tuskd adopts them and deletes the workload of a deleted pipeline', async () => {
    await tusk(['create', 'repo', 'letters'], { env: k.daemon.env });
    for (const f of ['a', 'b', 'c']) await tusk(['put', 'file', `letters@master:/${f}`, '-f', '-'], { env: k.daemon.env, input: `${f}\n` });
    const spec = { pipeline: { name: 'roll' }, input: { pfs: { repo: 'letters', glob: '/' } }, transform: { cmd: ['sh', '-c', 'ls /pfs/letters > /pfs/out/list'] } };
    await writeFile(join(k.dir, 'roll.json'), JSON.stringify(spec));
    expect((await tusk(['create', 'pipeline', '-f', join(k.dir, 'roll.json')], { env: k.daemon.env })).code).toBe(0);
    await until('roll v1 running', () => (k.runningPods('tusk-roll-v1').length === 1 ? true : undefined));
    await writeFile(join(k.dir, 'roll.json'), JSON.stringify({ ...spec, transform: { cmd: ['sh', '-c', 'ls /pfs/letters | wc -l > /pfs/out/list'] } }));
    expect((await tusk(['update', 'pipeline', '-f', join(k.dir, 'roll.json')], { env: k.daemon.env })).code).toBe(0);
    await until('roll v2 replaces v1', () => (k.runningPods('tusk-roll-v2').length === 1 && k.pods('tusk-roll-v1').length === 0 ? true : undefined));
    expect(k.rcs().filter((r) => r.startsWith('tusk-roll'))).toEqual(['tusk-roll-v2 x1']);
    // The update's own job (version 2), not whatever job of version 1 may still be running on the old pods.
    const rolled = (await tuskJson<any[]>(['list', 'job', '-p', 'roll'], { env: k.daemon.env })).find((j) => j.pipelineVersion === 2);
    expect(rolled).toBeDefined();
    await waitJob(k, `roll@${rolled.id}`);
    expect(await getFile(k, `roll@${rolled.id}:/list`)).toBe('3');

    // tuskd stops; a workload of a pipeline it does not know and one of another instance appear meanwhile.
    const before = k.pods('tusk-roll-v2').map((p) => p.metadata.name);
    await k.daemon.stop({ keepHome: true });
    const orphan = structuredClone(k.api.list('replicationcontrollers').find((r) => r.metadata.name === 'tusk-roll-v2')!);
    await postRc(k.api.port, { ...orphan, metadata: { name: 'tusk-gone-v1', labels: { ...orphan.metadata.labels, 'tusk.io/pipeline': 'gone' }, annotations: { 'tusk.io/pipeline-name': 'gone' } }, spec: { ...orphan.spec, replicas: 0 } });
    await postRc(k.api.port, { ...orphan, metadata: { name: 'someone-else', labels: { ...orphan.metadata.labels, 'tusk.io/instance': 'other' }, annotations: { 'tusk.io/pipeline-name': 'gone' } }, spec: { ...orphan.spec, replicas: 0 } });
    await k.startTuskd();
    expect(k.rcs()).not.toContain('tusk-gone-v1 x0');
    expect(k.rcs()).toContain('someone-else x0');
    expect(k.daemon.logs()).toMatch(/"workload_adopted".*"workload":"tusk-roll-v2"/);
    // The same pods keep serving: new data is processed without new pods.
    const extra = (await tusk(['put', 'file', 'letters@master:/extra.txt', '-f', '-'], { env: k.daemon.env, input: 'x\n' })).stdout.trim();
    await waitJob(k, `roll@${extra}`);
    expect(await getFile(k, `roll@${extra}:/list`)).toBe('4');
    expect(k.pods('tusk-roll-v2').map((p) => p.metadata.name)).toEqual(before);
    // Deleting the pipeline deletes its workload and pods.
    expect((await tusk(['delete', 'pipeline', 'roll'], { env: k.daemon.env })).code).toBe(0);
    await until('roll pods gone', () => (k.pods('tusk-roll').length === 0 ? true : undefined));
    expect(k.rcs().filter((r) => r.startsWith('tusk-roll'))).toEqual([]);
    // Every call tuskd made is one the Role in deploy/ grants.
    expect(k.rbacRefusals()).toEqual([]);
  });

  it('a missing image, an image without glibc and an unschedulable pod show Kubernetes\' reason in inspect pipeline and fail the job', async () => {
    const cases = [
      { name: 'badimage', extra: { transform: { image: 'missing/nope:1', cmd: ['true'] } }, reason: /(ErrImagePull|ImagePullBackOff).*missing\/nope:1/ },
      { name: 'alpine', extra: { transform: { image: 'alpine:3.20', cmd: ['true'] } }, reason: /CrashLoopBackOff.*image alpine:3.20 cannot run the Node runtime.*glibc/ },
      { name: 'nogpu', extra: { transform: { cmd: ['true'] }, resource_limits: { gpu: { type: 'nvidia.com/gpu', number: 1 } } }, reason: /Unschedulable.*Insufficient nvidia.com\/gpu/ },
    ];
    await tusk(['create', 'repo', 'inputs'], { env: k.daemon.env });
    await tusk(['put', 'file', 'inputs@master:/a', '-f', '-'], { env: k.daemon.env, input: 'a\n' });
    for (const c of cases) {
      await writeFile(join(k.dir, `${c.name}.json`), JSON.stringify({ pipeline: { name: c.name }, input: { pfs: { repo: 'inputs', glob: '/' } }, ...c.extra }));
      expect((await tusk(['create', 'pipeline', '-f', join(k.dir, `${c.name}.json`)], { env: k.daemon.env })).code).toBe(0);
    }
    for (const c of cases) {
      const p = await until(`${c.name}'s reason`, async () => {
        const x = await tuskJson(['inspect', 'pipeline', c.name], { env: k.daemon.env });
        return x.reason ? x : undefined;
      });
      expect(p.reason).toMatch(c.reason);
      const [job] = await tuskJson<any[]>(['list', 'job', '-p', c.name], { env: k.daemon.env });
      await tusk(['wait', 'job', `${c.name}@${job.id}`], { env: k.daemon.env, timeoutMs: 60_000 });
      const done = await tuskJson(['inspect', 'job', `${c.name}@${job.id}`], { env: k.daemon.env });
      expect(done.state).toBe('failure');
      expect(done.reason).toMatch(c.reason);
    }
  });

  it('a container over its memory limit is OOMKilled: the datum is retried, then fails naming OOMKilled', async () => {
    const spec = {
      pipeline: { name: 'hungry' },
      input: { pfs: { repo: 'mem', glob: '/' } },
      transform: { cmd: ['node', '-e', 'const b = Buffer.alloc(400e6, 1); setTimeout(() => console.log(b.length), 30000)'] },
      resource_limits: { memory: '300Mi' },
      datum_tries: 2,
    };
    await tusk(['create', 'repo', 'mem'], { env: k.daemon.env });
    await tusk(['put', 'file', 'mem@master:/a', '-f', '-'], { env: k.daemon.env, input: 'a\n' });
    await writeFile(join(k.dir, 'hungry.json'), JSON.stringify(spec));
    expect((await tusk(['create', 'pipeline', '-f', join(k.dir, 'hungry.json')], { env: k.daemon.env })).code).toBe(0);
    const [job] = await tuskJson<any[]>(['list', 'job', '-p', 'hungry'], { env: k.daemon.env });
    await tusk(['wait', 'job', `hungry@${job.id}`], { env: k.daemon.env, timeoutMs: 120_000 });
    const done = await tuskJson(['inspect', 'job', `hungry@${job.id}`], { env: k.daemon.env });
    expect(done.state).toBe('failure');
    expect(done.reason).toMatch(/container user: OOMKilled \(exit code 137\)/);
    const [pod] = k.pods('tusk-hungry-v1');
    expect(pod!.status.containerStatuses.find((c: any) => c.name === 'user').lastState.terminated.reason).toBe('OOMKilled');
  });
});

/** Waits for a job and expects it to succeed (a timeout or a failure says so, with the job's reason). */
async function waitJob(k: StandInCluster, job: string): Promise<void> {
  const run = await tusk(['wait', 'job', job, '-o', 'json'], { env: k.daemon.env, timeoutMs: 150_000 });
  expect(run.code, `wait job ${job}: ${run.stderr || 'timed out'}`).toBe(0);
  const done = JSON.parse(run.stdout);
  expect(done.state, `job ${job}: ${done.reason}`).toBe('success');
}

async function getFile(k: StandInCluster, ref: string): Promise<string> {
  const run = await tusk(['get', 'file', ref], { env: k.daemon.env });
  expect(run.code, `get file ${ref}: ${run.stderr}`).toBe(0);
  return run.stdout.trim();
}

async function postRc(port: number, body: unknown): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/namespaces/tusk-test/replicationcontrollers`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  if (res.status !== 201) throw new Error(`stand-in API server: ${res.status} ${await res.text()}`);
}
