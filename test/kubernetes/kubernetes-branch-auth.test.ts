// TUSK_RUNTIME=kubernetes end to end against the STAND-IN API server and
// kubelet (stand-in-*.ts), for versions beside the main line and for access
// control. A branch version with another image runs in pods of its own
// workload, made while it has datums and deleted after. Activating auth restarts a
// running pipeline's pods with its token, which reaches worker and sidecar
// through a Secret of the pipeline (a mounted file), never through the
// workload, a pod spec or tuskd's log; the Secret goes with the pipeline.
// A spout runs in a pod of its own and commits with `pachctl put file` as its
// pipeline.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { tusk, tuskJson } from '../helpers/tusk-cli.js';
import { hasBwrap, StandInCluster, until } from './stand-in-cluster.js';

vi.setConfig({ testTimeout: 240_000 });

if (!hasBwrap) console.warn('kubernetes-auth.test: skipped, the stand-in kubelet needs a working bubblewrap to give user code a literal /pfs');

describe.skipIf(!hasBwrap)('TUSK_RUNTIME=kubernetes: branch versions and access control (stand-in API server and kubelet)', () => {
  let k: StandInCluster;
  /** The root's environment, once the test before activated access control. */
  let rootEnv: NodeJS.ProcessEnv | undefined;
  beforeAll(async () => {
    k = await StandInCluster.start();
  });
  afterAll(async () => {
    await k?.stop();
  });

  it('a branch version with another image runs in a workload of its own, deleted once its job is done', async () => {
    const env = k.daemon.env;
    await tusk(['create', 'repo', 'pics'], { env });
    await tusk(['put', 'file', 'pics@master:/a', '-f', '-'], { env, input: 'a\nb\n' });
    const spec = { pipeline: { name: 'shade' }, input: { pfs: { repo: 'pics', glob: '/' } }, transform: { cmd: ['sh', '-c', 'cat /pfs/pics/* | wc -c > /pfs/out/n'] } };
    await writeFile(join(k.dir, 'shade.json'), JSON.stringify(spec));
    expect((await tusk(['create', 'pipeline', '-f', join(k.dir, 'shade.json')], { env })).code).toBe(0);
    expect((await tusk(['create', 'branch', 'pics@exp', '--head', 'master'], { env })).code).toBe(0);
    await writeFile(join(k.dir, 'shade.json'), JSON.stringify({ ...spec, transform: { image: 'python:3.12-slim', cmd: ['sh', '-c', 'cat /pfs/pics/* | wc -l > /pfs/out/n'] } }));
    expect((await tusk(['update', 'pipeline', '-f', join(k.dir, 'shade.json'), '--branch', 'exp'], { env })).code).toBe(0);
    const job = (await tuskJson<any[]>(['list', 'job', '-p', 'shade'], { env })).find((j) => j.pipelineVersion === 2);
    const waited = await tusk(['wait', 'job', `shade@${job.id}`], { env, timeoutMs: 150_000 });
    expect(waited.code, waited.stderr || 'wait job timed out').toBe(0);
    expect((await tusk(['get', 'file', `shade@${job.id}:/n`], { env })).stdout.trim()).toBe('2');
    expect(k.daemon.logs()).toMatch(/"workload_created".*"workload":"tusk-shade-v2"/);
    expect(k.kubelet.images).toContain('python:3.12-slim');
    await until('the branch workload deleted', () => (k.rcs().every((r) => !r.startsWith('tusk-shade-v2')) ? true : undefined));
    expect(k.rcs().filter((r) => r.startsWith('tusk-shade'))).toEqual(['tusk-shade-v1 x1']);
    // The main line's job still ran in the main line's pod.
    const main = (await tuskJson<any[]>(['list', 'job', '-p', 'shade'], { env })).find((j) => j.pipelineVersion === 1);
    expect((await tusk(['wait', 'job', `shade@${main.id}`], { env, timeoutMs: 150_000 })).code).toBe(0);
    expect((await tusk(['get', 'file', 'shade@master:/n'], { env })).stdout.trim()).toBe('4');
  });

  it('pods get their pipeline token from a Secret once auth is active; the workload only names it; it goes with the pipeline', async () => {
    const env = () => ({ ...k.daemon.env, TUSK_CONFIG: join(k.dir, 'tusk-config.json') });
    await tusk(['create', 'repo', 'words'], { env: env() });
    await tusk(['put', 'file', 'words@master:/a', '-f', '-'], { env: env(), input: 'one two\n' });
    await writeFile(join(k.dir, 'count.json'), JSON.stringify({ pipeline: { name: 'count' }, input: { pfs: { repo: 'words', glob: '/' } }, transform: { cmd: ['sh', '-c', 'cat /pfs/words/* | wc -w > /pfs/out/n'] } }));
    expect((await tusk(['create', 'pipeline', '-f', join(k.dir, 'count.json')], { env: env() })).code).toBe(0);
    await until('count v1 running', () => (k.runningPods('tusk-count-v1').length === 1 ? true : undefined));
    const before = k.pods('tusk-count-v1').map((p) => p.metadata.name);
    const secrets = () => k.api.list('secrets').map((x) => x.metadata.name).sort();
    expect(secrets()).toEqual([]);

    const activated = await tuskJson<{ token: string }>(['auth', 'activate'], { env: env() });
    const root = { ...env(), TUSK_AUTH_TOKEN: activated.token };
    rootEnv = root;
    // Activation restarts the workers: new pods, which mount the pipeline's token.
    await until('count pods restarted with a token', () => (k.runningPods('tusk-count-v1').some((p) => !before.includes(p.metadata.name)) ? true : undefined));
    // shade (the test above) runs too: its pods got its own token.
    expect(secrets()).toEqual(['tusk-count-auth', 'tusk-shade-auth']);
    const secret = k.api.list('secrets').find((x) => x.metadata.name === 'tusk-count-auth') as { metadata: { name: string; labels: Record<string, string> }; data: Record<string, string> }[];
    expect(secret!.metadata.labels).toMatchObject({ 'tusk.io/instance': 'test-tusk', 'tusk.io/pipeline': 'count' });
    const token = Buffer.from(secret!.data.token!, 'base64').toString('utf8');
    expect(Buffer.from((k.api.list('secrets').find((x) => x.metadata.name === 'tusk-shade-auth') as any).data.token, 'base64').toString('utf8')).not.toBe(token);
    expect(token.length).toBeGreaterThan(20);
    for (const objects of [k.api.list('replicationcontrollers'), k.api.list('pods')]) {
      expect(JSON.stringify(objects)).not.toContain(token);
      expect(JSON.stringify(objects)).toContain('"secretName":"tusk-count-auth"');
    }

    // The new pods' workers and sidecars speak as pipeline:count: new data is processed.
    const id = (await tusk(['put', 'file', 'words@master:/b', '-f', '-'], { env: root, input: 'three four five\n' })).stdout.trim();
    const waited = await tusk(['wait', 'job', `count@${id}`], { env: root, timeoutMs: 150_000 });
    expect(waited.code, waited.stderr || 'wait job timed out').toBe(0);
    expect((await tusk(['get', 'file', `count@${id}:/n`], { env: root })).stdout.trim()).toBe('5');
    expect(k.daemon.logs()).not.toContain(token);

    expect((await tusk(['delete', 'pipeline', 'count'], { env: root })).code).toBe(0);
    await until('count pods gone', () => (k.pods('tusk-count').length === 0 ? true : undefined));
    expect(secrets()).toEqual(['tusk-shade-auth']);
    // Every call tuskd made is one the Role in deploy/ grants.
    expect(k.rbacRefusals()).toEqual([]);
  });

  it('a spout runs in a pod of its own and commits with pachctl put file as its pipeline (auth active)', async () => {
    const root = rootEnv!;
    const script = 'for i in 1 2; do echo "event $i" | pachctl put file events@master:/e$i -f - || exit 9; done; echo sent; exec sleep 600';
    await writeFile(join(k.dir, 'events.json'), JSON.stringify({ pipeline: { name: 'events' }, spout: {}, transform: { cmd: ['sh', '-c', script] } }));
    const created = await tusk(['create', 'pipeline', '-f', join(k.dir, 'events.json')], { env: root });
    expect(created.code, created.stderr).toBe(0);
    await until('events v1 running', () => (k.runningPods('tusk-events-v1').length === 1 ? true : undefined));
    await until('the spout committed twice', async () => ((await tuskJson<any[]>(['list', 'commit', 'events@master'], { env: root })).length >= 2 ? true : undefined), 150_000);
    const files = await tuskJson<any[]>(['list', 'file', 'events@master'], { env: root });
    expect(files.map((f) => f.path)).toEqual(['/e1', '/e2']);
    expect((await tusk(['get', 'file', 'events@master:/e2'], { env: root })).stdout).toBe('event 2\n');
    expect((await tusk(['delete', 'pipeline', 'events'], { env: root })).code).toBe(0);
    await until('events pods gone', () => (k.pods('tusk-events').length === 0 ? true : undefined));
  });
});
