// TUSK_RUNTIME=kubernetes end to end through the real @kubernetes/client-node,
// against the STAND-IN API server and kubelet (test/kubernetes/stand-in-*):
// the README's word-count DAG gives byte-identical output to the local
// runtime; a pod killed mid-datum loses only that datum's run; autoscaling
// scales to zero and back; an update rolls the pods; a restarted tuskd adopts
// its pods and deletes those of a deleted pipeline; a bad image is reported.
// What this cannot show: a real scheduler, image pulls, container isolation,
// cgroups (OOM), networking between nodes — see the README's closing note.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, ROOT, startDaemon, type DaemonHandle } from '../helpers/daemon.js';
import { tusk, tuskJson } from '../helpers/tusk-cli.js';
import { StandInApiServer } from './stand-in-api-server.js';
import { StandInKubelet } from './stand-in-kubelet.js';

const hasBwrap = spawnSync('bwrap', ['--ro-bind', '/', '/', 'true']).status === 0;
if (!hasBwrap) console.warn('kubernetes-runtime.test: skipped, the stand-in kubelet needs a working bubblewrap to give user code a literal /pfs');

const NAMESPACE = 'tusk-test';
const IMAGE = 'tusk:test';
const WORDCOUNT = join(ROOT, 'examples/wordcount');

async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

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

describe.skipIf(!hasBwrap)('TUSK_RUNTIME=kubernetes against the stand-in API server and kubelet', () => {
  let dir: string;
  let api: StandInApiServer;
  let kubelet: StandInKubelet;
  let daemon: DaemonHandle;
  let daemonEnv: Record<string, string>;
  let port: number;
  let home: string;

  const startTuskd = async () => {
    daemon = await startDaemon({ home, port, env: daemonEnv });
    return daemon;
  };
  const rcs = () => api.list('replicationcontrollers').map((r) => `${r.metadata.name} x${r.spec.replicas}`).sort();
  const pods = (prefix: string) => api.list('pods').filter((p) => p.metadata.name.startsWith(prefix) && !p.metadata.deletionTimestamp);
  const runningPods = (prefix: string) => pods(prefix).filter((p) => p.status?.containerStatuses?.every((c: any) => c.state?.running));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tusk-k8s-'));
    api = new StandInApiServer();
    await api.start();
    await api.writeKubeconfig(join(dir, 'kubeconfig'), NAMESPACE);
    kubelet = new StandInKubelet({
      api,
      root: join(dir, 'node'),
      packageRoot: ROOT.replace(/\/$/, ''),
      tuskImage: IMAGE,
      missingImage: (image) => image.startsWith('missing/'),
      noGlibcImage: (image) => image.includes('alpine'),
      env: { TUSK_DAEMON_GRACE_MS: '3000' },
    });
    await kubelet.start();
    port = await freePort();
    home = join(dir, 'home');
    daemonEnv = { TUSK_RUNTIME: 'kubernetes', KUBECONFIG: join(dir, 'kubeconfig'), TUSK_IMAGE: IMAGE, TUSK_INSTANCE: 'test-tusk', TUSK_WORKER_ADDRESS: `127.0.0.1:${port}` };
    await startTuskd();
  });

  afterAll(async () => {
    await daemon?.stop({ keepHome: true });
    await kubelet?.stop();
    await api?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs the word-count DAG in pods, with output byte-identical to the local runtime', async () => {
    const local = await startDaemon();
    let expected;
    try {
      expected = await wordcount(local.env);
    } finally {
      await local.stop();
    }
    const got = await wordcount(daemon.env);
    expect(got).toEqual(expected);
    expect(got.topText).toMatch(/^\s+\d+ the\n/);
    // One workload per pipeline version, its pods running the tusk image around the user's image.
    expect(rcs()).toEqual(['tusk-counts-v1 x1', 'tusk-top-v1 x1']);
    expect(kubelet.images).toEqual(expect.arrayContaining([IMAGE, 'node:20-bookworm-slim']));
    const inspect = await tuskJson(['inspect', 'pipeline', 'counts'], { env: daemon.env });
    expect(inspect.workers).toBe(1);
    expect(api.requests).toContain('GET /api/v1/namespaces/tusk-test/pods?watch');
  });

  it('a pod killed mid-datum loses only that run: the datum is retried in the new pod and the job succeeds', async () => {
    const spec = {
      pipeline: { name: 'slow' },
      input: { pfs: { repo: 'docs', glob: '/*' } },
      transform: { cmd: ['sh', '-c', 'sleep 1; cp "$docs" /pfs/out/'] },
    };
    await writeFile(join(dir, 'slow.json'), JSON.stringify(spec));
    expect((await tusk(['create', 'pipeline', '-f', join(dir, 'slow.json')], { env: daemon.env })).code).toBe(0);
    const [first] = await until('a slow pod running', () => (runningPods('tusk-slow-v1').length ? runningPods('tusk-slow-v1') : undefined));
    // Wait until the worker is inside a datum, then delete the pod (kubectl delete pod).
    await until('a datum running', async () => {
      const jobs = await tuskJson<any[]>(['list', 'job', '-p', 'slow'], { env: daemon.env });
      return jobs[0]?.state === 'running' ? true : undefined;
    });
    await new Promise((r) => setTimeout(r, 400));
    api.deletePod(first!.metadata.name);
    const job = await tuskJson(['wait', 'job', `slow@${(await tuskJson<any[]>(['list', 'job', '-p', 'slow'], { env: daemon.env }))[0].id}`], { env: daemon.env, timeoutMs: 120_000 });
    expect(job.state).toBe('success');
    expect(job.datums.processed + job.datums.skipped).toBe(3);
    expect(await files(daemon.env, 'slow@master')).toEqual((await files(daemon.env, 'docs@master')));
    expect(daemon.logs()).toContain('worker_pod_gone');
    expect(pods('tusk-slow-v1').map((p) => p.metadata.name)).not.toContain(first!.metadata.name);
  });

  it('autoscaling: zero pods while idle, pods while a job has datums, zero again after', async () => {
    const spec = { pipeline: { name: 'auto' }, input: { pfs: { repo: 'docs', glob: '/*' } }, transform: { cmd: ['sh', '-c', 'cp "$docs" /pfs/out/'] }, autoscaling: true, parallelism_spec: { constant: 2 } };
    await writeFile(join(dir, 'auto.json'), JSON.stringify(spec));
    expect((await tusk(['create', 'pipeline', '-f', join(dir, 'auto.json')], { env: daemon.env })).code).toBe(0);
    await tusk(['wait', 'commit', 'auto@master'], { env: daemon.env, timeoutMs: 120_000 });
    expect(await files(daemon.env, 'auto@master')).toEqual(await files(daemon.env, 'docs@master'));
    expect(daemon.logs()).toMatch(/"workload_scaled".*"pipeline":"auto","replicas":2/);
    await until('auto scaled to zero', () => (rcs().includes('tusk-auto-v1 x0') && pods('tusk-auto-v1').length === 0 ? true : undefined));
    // New data: back up to two pods, the job runs, and down to zero again.
    await tusk(['put', 'file', 'docs@master:/more.txt', '-f', '-'], { env: daemon.env, input: 'more words here\n' });
    await tusk(['wait', 'commit', 'auto@master'], { env: daemon.env, timeoutMs: 120_000 });
    expect(await files(daemon.env, 'auto@master')).toContainEqual(expect.stringMatching(/^\/more\.txt /));
    await until('auto scaled to zero again', () => (rcs().includes('tusk-auto-v1 x0') ? true : undefined));
  });

  it('an update rolls the pods to a new workload; a restarted tuskd adopts them and deletes the workload of a deleted pipeline', async () => {
    const spec = { pipeline: { name: 'roll' }, input: { pfs: { repo: 'docs', glob: '/' } }, transform: { cmd: ['sh', '-c', 'ls /pfs/docs > /pfs/out/list'] } };
    await writeFile(join(dir, 'roll.json'), JSON.stringify(spec));
    expect((await tusk(['create', 'pipeline', '-f', join(dir, 'roll.json')], { env: daemon.env })).code).toBe(0);
    await until('roll v1 running', () => (runningPods('tusk-roll-v1').length === 1 ? true : undefined));
    await writeFile(join(dir, 'roll.json'), JSON.stringify({ ...spec, transform: { cmd: ['sh', '-c', 'ls /pfs/docs | wc -l > /pfs/out/list'] } }));
    expect((await tusk(['update', 'pipeline', '-f', join(dir, 'roll.json')], { env: daemon.env })).code).toBe(0);
    await until('roll v2 replaces v1', () => (runningPods('tusk-roll-v2').length === 1 && pods('tusk-roll-v1').length === 0 ? true : undefined));
    expect(rcs().filter((r) => r.startsWith('tusk-roll'))).toEqual(['tusk-roll-v2 x1']);
    await tusk(['wait', 'commit', 'roll@master'], { env: daemon.env, timeoutMs: 120_000 });
    expect((await tusk(['get', 'file', 'roll@master:/list'], { env: daemon.env })).stdout.trim()).toBe('4');

    // tuskd stops; a workload of a pipeline it does not know and one of another instance appear meanwhile.
    const before = pods('tusk-roll-v2').map((p) => p.metadata.name);
    await daemon.stop({ keepHome: true });
    const orphan = structuredClone(api.list('replicationcontrollers').find((r) => r.metadata.name === 'tusk-roll-v2')!);
    await postRc(api.port, { ...orphan, metadata: { name: 'tusk-gone-v1', labels: { ...orphan.metadata.labels, 'tusk.io/pipeline': 'gone' }, annotations: { 'tusk.io/pipeline-name': 'gone' } }, spec: { ...orphan.spec, replicas: 0 } });
    await postRc(api.port, { ...orphan, metadata: { name: 'someone-else', labels: { ...orphan.metadata.labels, 'tusk.io/instance': 'other' }, annotations: { 'tusk.io/pipeline-name': 'gone' } }, spec: { ...orphan.spec, replicas: 0 } });
    await startTuskd();
    expect(rcs()).not.toContain('tusk-gone-v1 x0');
    expect(rcs()).toContain('someone-else x0');
    expect(daemon.logs()).toMatch(/"workload_adopted".*"workload":"tusk-roll-v2"/);
    // The same pods keep serving: new data is processed without new pods.
    await tusk(['put', 'file', 'docs@master:/extra.txt', '-f', '-'], { env: daemon.env, input: 'x\n' });
    await tusk(['wait', 'commit', 'roll@master'], { env: daemon.env, timeoutMs: 120_000 });
    expect((await tusk(['get', 'file', 'roll@master:/list'], { env: daemon.env })).stdout.trim()).toBe('5');
    expect(pods('tusk-roll-v2').map((p) => p.metadata.name)).toEqual(before);
    // Deleting the pipeline deletes its workload and pods.
    expect((await tusk(['delete', 'pipeline', 'roll'], { env: daemon.env })).code).toBe(0);
    await until('roll pods gone', () => (pods('tusk-roll').length === 0 ? true : undefined));
    expect(rcs().filter((r) => r.startsWith('tusk-roll'))).toEqual([]);
  });

  it('a missing image, an image without glibc and an unschedulable pod show Kubernetes\' reason in inspect pipeline and fail the job', async () => {
    const cases = [
      { name: 'badimage', extra: { transform: { image: 'missing/nope:1', cmd: ['true'] } }, reason: /ImagePullBackOff.*missing\/nope:1/ },
      { name: 'alpine', extra: { transform: { image: 'alpine:3.20', cmd: ['true'] } }, reason: /CrashLoopBackOff.*image alpine:3.20 cannot run the Node runtime.*glibc/ },
      { name: 'nogpu', extra: { transform: { cmd: ['true'] }, resource_limits: { gpu: { type: 'nvidia.com/gpu', number: 1 } } }, reason: /Unschedulable.*Insufficient nvidia.com\/gpu/ },
    ];
    await tusk(['create', 'repo', 'inputs'], { env: daemon.env });
    await tusk(['put', 'file', 'inputs@master:/a', '-f', '-'], { env: daemon.env, input: 'a\n' });
    for (const c of cases) {
      await writeFile(join(dir, `${c.name}.json`), JSON.stringify({ pipeline: { name: c.name }, input: { pfs: { repo: 'inputs', glob: '/' } }, ...c.extra }));
      expect((await tusk(['create', 'pipeline', '-f', join(dir, `${c.name}.json`)], { env: daemon.env })).code).toBe(0);
    }
    for (const c of cases) {
      const p = await until(`${c.name}'s reason`, async () => {
        const x = await tuskJson(['inspect', 'pipeline', c.name], { env: daemon.env });
        return x.reason ? x : undefined;
      });
      expect(p.reason).toMatch(c.reason);
      const [job] = await tuskJson<any[]>(['list', 'job', '-p', c.name], { env: daemon.env });
      await tusk(['wait', 'job', `${c.name}@${job.id}`], { env: daemon.env, timeoutMs: 60_000 });
      const done = await tuskJson(['inspect', 'job', `${c.name}@${job.id}`], { env: daemon.env });
      expect(done.state).toBe('failure');
      expect(done.reason).toMatch(c.reason);
    }
  });

  it('a container over its memory limit is OOMKilled: the datum is retried, then fails naming OOMKilled', async () => {
    const spec = {
      pipeline: { name: 'hungry' },
      input: { pfs: { repo: 'mem', glob: '/' } },
      transform: { cmd: ['node', '-e', 'const b = Buffer.alloc(400e6, 1); setTimeout(() => console.log(b.length), 3000)'] },
      resource_limits: { memory: '300Mi' },
      datum_tries: 2,
    };
    await tusk(['create', 'repo', 'mem'], { env: daemon.env });
    await tusk(['put', 'file', 'mem@master:/a', '-f', '-'], { env: daemon.env, input: 'a\n' });
    await writeFile(join(dir, 'hungry.json'), JSON.stringify(spec));
    expect((await tusk(['create', 'pipeline', '-f', join(dir, 'hungry.json')], { env: daemon.env })).code).toBe(0);
    const [job] = await tuskJson<any[]>(['list', 'job', '-p', 'hungry'], { env: daemon.env });
    await tusk(['wait', 'job', `hungry@${job.id}`], { env: daemon.env, timeoutMs: 60_000 });
    const done = await tuskJson(['inspect', 'job', `hungry@${job.id}`], { env: daemon.env });
    expect(done.state).toBe('failure');
    expect(done.reason).toMatch(/container user: OOMKilled \(exit code 137\)/);
    const [pod] = pods('tusk-hungry-v1');
    expect(pod!.status.containerStatuses.find((c: any) => c.name === 'user').lastState.terminated.reason).toBe('OOMKilled');
  });
});

async function postRc(port: number, body: unknown): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/namespaces/${NAMESPACE}/replicationcontrollers`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  if (res.status !== 201) throw new Error(`stand-in API server: ${res.status} ${await res.text()}`);
}
