// The kubernetes runtime over an in-memory Cluster (the calls it makes,
// recorded): a pod that terminates or is deleted is lost for good, a container
// restart only loses the workers that ran in it, and under access control the
// pipeline token goes to a Secret before the workload that names it. The
// end-to-end behaviour against the stand-in API server and kubelet is in
// test/kubernetes/.
import type { V1Pod, V1ReplicationController, V1Secret } from '@kubernetes/client-node';
import { describe, expect, it, vi } from 'vitest';
import { SecretNotFound } from '../../errors/index.js';
import { normalizePipelineSpec } from '../../pps/index.js';
import type { Cluster, PodEvent } from './cluster.js';
import { KubernetesRuntime } from './kubernetes-runtime.js';
import { kubernetesSettings } from './settings.js';
import { LABELS, PIPELINE_ANNOTATION, versionLabels } from './workload.js';

class MemoryCluster implements Cluster {
  readonly namespace = 'ns';
  readonly rcs: V1ReplicationController[] = [];
  readonly secrets = new Map<string, V1Secret>();
  /** Writes in order, as `create rc NAME`, `apply secret NAME`, ... */
  readonly calls: string[] = [];
  emit: (type: PodEvent, pod: V1Pod) => void = () => {};
  async listWorkloads(): Promise<V1ReplicationController[]> {
    return this.rcs;
  }
  async createWorkload(rc: V1ReplicationController): Promise<void> {
    this.calls.push(`create rc ${rc.metadata?.name}`);
    this.rcs.push(rc);
  }
  async scaleWorkload(): Promise<void> {}
  async deleteWorkload(name: string): Promise<void> {
    this.calls.push(`delete rc ${name}`);
    this.rcs.splice(this.rcs.findIndex((r) => r.metadata?.name === name), 1);
  }
  async listPods(): Promise<{ pods: V1Pod[]; resourceVersion: string }> {
    return { pods: [], resourceVersion: '1' };
  }
  async watchPods(_s: string, _rv: string, onEvent: (type: PodEvent, pod: V1Pod) => void): Promise<() => void> {
    this.emit = onEvent;
    return () => {};
  }
  async getPod(): Promise<V1Pod | undefined> {
    return undefined;
  }
  async applySecret(secret: V1Secret): Promise<void> {
    this.calls.push(`apply secret ${secret.metadata?.name}`);
    this.secrets.set(secret.metadata!.name!, secret);
  }
  async deleteSecret(name: string): Promise<void> {
    this.calls.push(`delete secret ${name}`);
    this.secrets.delete(name);
  }
}

function pod(name: string, o: { restarts?: number; deleting?: boolean; version?: number } = {}): V1Pod {
  const running = (c: string) => ({ name: c, image: 'x', imageID: '', ready: true, restartCount: o.restarts ?? 0, state: { running: {} } });
  return {
    metadata: { name, labels: { ...versionLabels('tusk', 'edges', o.version ?? 1) }, annotations: { [PIPELINE_ANNOTATION]: 'edges' }, ...(o.deleting && { deletionTimestamp: new Date() }) },
    status: { phase: 'Running', containerStatuses: [running('user'), running('tusk-sidecar')] },
  };
}

const SPEC = { pipeline: { name: 'edges' }, input: { pfs: { repo: 'images', glob: '/*' } }, transform: { cmd: ['true'] } };

async function started(token?: string, versions: Record<number, object> = {}, active: number[] = []) {
  const cluster = new MemoryCluster();
  const lost: [string, boolean][] = [];
  const spec = normalizePipelineSpec(SPEC);
  const changed: string[] = [];
  const runtime = new KubernetesRuntime({
    cluster,
    settings: kubernetesSettings({ TUSK_NAMESPACE: 'ns' }),
    lookup: async () => ({ spec, version: 1 }),
    hasWork: () => true,
    activeVersions: () => active,
    lookupVersion: async (_p, v) => (v === 1 ? spec : versions[v] && normalizePipelineSpec(versions[v])),
    workersChanged: (p) => changed.push(p),
    idleCheckMs: 10,
    token: () => token,
    onLost: (_p, name, _reason, gone) => lost.push([name, gone]),
    onTrouble: () => {},
    log: () => {},
  });
  await runtime.start();
  await runtime.ensure('edges', 1);
  return { cluster, runtime, lost, active, changed };
}

describe('KubernetesRuntime pod events', () => {
  it('a terminating pod is lost for good, and again once deleted (its worker may have leased work meanwhile)', async () => {
    const { cluster, runtime, lost } = await started();
    expect(cluster.rcs.map((r) => r.metadata?.labels?.[LABELS.version])).toEqual(['1']);
    cluster.emit('ADDED', pod('edges-a'));
    expect(runtime.running('edges')).toBe(1);
    cluster.emit('MODIFIED', pod('edges-a', { deleting: true }));
    cluster.emit('DELETED', pod('edges-a', { deleting: true }));
    expect(lost).toEqual([['edges-a', true], ['edges-a', true]]);
    expect(runtime.running('edges')).toBe(0);
    await runtime.stopAll();
  });

  it('a container restart loses the workers that ran in it, not the pod', async () => {
    const { cluster, runtime, lost } = await started();
    cluster.emit('ADDED', pod('edges-b'));
    cluster.emit('MODIFIED', pod('edges-b', { restarts: 1 }));
    expect(lost).toEqual([['edges-b', false]]);
    expect(runtime.running('edges')).toBe(1);
    await runtime.stopAll();
  });

  it('under access control, writes the pipeline token to a Secret before the workload (which only names it) and deletes it with the pipeline', async () => {
    const { cluster, runtime } = await started('tuskp.secret-token');
    expect(cluster.calls).toEqual(['apply secret tusk-edges-auth', 'create rc tusk-edges-v1']);
    expect(cluster.secrets.get('tusk-edges-auth')?.stringData).toEqual({ token: 'tuskp.secret-token' });
    expect(JSON.stringify(cluster.rcs)).not.toContain('tuskp.secret-token');
    expect(JSON.stringify(cluster.rcs)).toContain('"secretName":"tusk-edges-auth"');
    await runtime.stop('edges');
    expect(cluster.calls.slice(2)).toEqual(['delete rc tusk-edges-v1', 'delete secret tusk-edges-auth']);
    await runtime.stopAll();
  });

  it('without access control, leaves no token Secret behind', async () => {
    const { cluster, runtime } = await started(undefined);
    expect(cluster.calls).toEqual(['delete secret tusk-edges-auth', 'create rc tusk-edges-v1']);
    expect(cluster.secrets.size).toBe(0);
    await runtime.stopAll();
  });

  it('a version with another pod (a branch\'s image) gets a workload of its own while it has datums; each pod takes only its versions', async () => {
    const versions = { 2: { ...SPEC, transform: { image: 'python:3.12-slim', cmd: ['true'] } }, 3: { ...SPEC, transform: { cmd: ['false'] } } };
    const { cluster, runtime, active, changed } = await started(undefined, versions, [2, 3]);
    await vi.waitFor(() => expect(cluster.rcs.map((r) => r.metadata?.name)).toEqual(['tusk-edges-v1', 'tusk-edges-v2']));
    expect(cluster.rcs[1]!.spec?.template?.spec?.containers[0]?.image).toBe('python:3.12-slim');
    cluster.emit('ADDED', pod('edges-main'));
    cluster.emit('ADDED', pod('edges-branch', { version: 2 }));
    // Version 3 changes only the command: the main line's pods run it, and no workload is made for it.
    expect([1, 2, 3].map((v) => runtime.accepts('edges', 'edges-main/w1', v))).toEqual([true, false, true]);
    expect([1, 2, 3].map((v) => runtime.accepts('edges', 'edges-branch/w1', v))).toEqual([false, true, false]);
    expect(runtime.accepts('edges', 'unknown-pod/w1', 1)).toBe(false);
    // The console's worker list: each pod, its state, version and restarts.
    cluster.emit('MODIFIED', pod('edges-branch', { version: 2, restarts: 1 })); // user and sidecar once each
    expect(runtime.workers('edges')).toEqual([
      { id: 'edges-branch', state: 'running', pod: 'edges-branch', restarts: 2, version: 2 },
      { id: 'edges-main', state: 'running', pod: 'edges-main', restarts: 0, version: 1 },
    ]);
    // A version not seen yet is worked out, then waiting workers are told to look again.
    expect(runtime.accepts('edges', 'edges-main/w1', 4)).toBe(false);
    await vi.waitFor(() => expect(changed).toEqual(['edges']));
    active.splice(0);
    await vi.waitFor(() => expect(cluster.rcs.map((r) => r.metadata?.name)).toEqual(['tusk-edges-v1']));
    await runtime.stopAll();
  });
});

describe('KubernetesRuntime and transform.secrets', () => {
  it('copies the secrets a version names before its workload, drops a copy no version reads, and says when a secret is gone', async () => {
    const cluster = new MemoryCluster();
    const store: Record<string, Record<string, Uint8Array>> = { db: { password: Buffer.from('hunter2') }, certs: { 'ca.pem': Buffer.from('PEM') } };
    const secrets = (names: string[]) => names.map((name, i) => (i === 0 ? { name, key: 'password', env_var: 'DB_PASSWORD' } : { name, mount_path: `/etc/${name}` }));
    let current = { spec: normalizePipelineSpec({ ...SPEC, transform: { cmd: ['true'], secrets: secrets(['db', 'certs']) } }), version: 1 };
    const trouble: string[] = [];
    const runtime = new KubernetesRuntime({
      cluster,
      settings: kubernetesSettings({ TUSK_NAMESPACE: 'ns' }),
      lookup: async () => current,
      hasWork: () => true,
      secretValues: async (name) => {
        const values = store[name];
        if (!values) throw new SecretNotFound(name);
        return values;
      },
      onLost: () => {},
      onTrouble: (_p, reason) => trouble.push(reason),
      log: () => {},
    });
    await runtime.start();
    await runtime.ensure('edges', 1);
    expect(cluster.calls).toEqual(['delete secret tusk-edges-auth', 'apply secret tusk-edges.secret-db', 'apply secret tusk-edges.secret-certs', 'create rc tusk-edges-v1']);
    expect(cluster.secrets.get('tusk-edges.secret-db')?.data).toEqual({ password: Buffer.from('hunter2').toString('base64') });
    expect(JSON.stringify(cluster.rcs)).not.toContain(Buffer.from('hunter2').toString('base64'));

    // Version 2 reads only db: the certs copy goes once version 1's workload has.
    current = { spec: normalizePipelineSpec({ ...SPEC, transform: { cmd: ['true'], secrets: secrets(['db']) } }), version: 2 };
    cluster.calls.splice(0);
    await runtime.ensure('edges', 1);
    expect(cluster.calls).toEqual(['delete secret tusk-edges-auth', 'apply secret tusk-edges.secret-db', 'create rc tusk-edges-v2', 'delete rc tusk-edges-v1', 'delete secret tusk-edges.secret-certs']);

    // A secret deleted from the store since: no workload, and inspect pipeline says why.
    current = { spec: normalizePipelineSpec({ ...SPEC, transform: { cmd: ['true'], secrets: secrets(['db', 'gone']) } }), version: 3 };
    cluster.calls.splice(0);
    await runtime.ensure('edges', 1);
    expect(cluster.calls).not.toContain('create rc tusk-edges-v3');
    expect(trouble.at(-1)).toMatch(/^transform\.secrets: .*gone/);

    cluster.calls.splice(0);
    await runtime.stop('edges');
    expect(cluster.calls).toEqual(['delete rc tusk-edges-v2', 'delete secret tusk-edges-auth', 'delete secret tusk-edges.secret-db']);
    expect(cluster.secrets.size).toBe(0);
    await runtime.stopAll();
  });
});
