import type { V1Container, V1PodSpec, V1ReplicationController } from '@kubernetes/client-node';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { isTuskError } from '../../errors/index.js';
import { normalizePipelineSpec } from '../../pps/index.js';
import { validateObject } from '../../../test/helpers/kubernetes-schemas.js';
import { pipelineKey, renderAuthSecret, renderSecretCopy, renderWorkload, secretCopiesOf, secretCopyName, workloadName, type WorkloadOptions } from './workload.js';

const OPTIONS: WorkloadOptions = { tuskImage: 'registry.example.com/tusk:0.1.0', address: 'tusk.data.svc:1650', instance: 'tusk', namespace: 'data' };

/** A spec that sets every field the Kubernetes runtime reads. */
const EVERY_FIELD = {
  pipeline: { name: 'Edges_v2' },
  input: { pfs: { repo: 'images', glob: '/*' } },
  transform: {
    image: 'python:3.12-slim',
    cmd: ['python3', '/edges.py'],
    image_pull_secrets: ['regcred'],
    memory_volume: true,
    working_dir: '/work',
    user: '1000',
    secrets: [{ name: 's3creds', key: 'access', env_var: 'AWS_ACCESS_KEY_ID' }, { name: 'certs', mount_path: '/certs' }],
  },
  parallelism_spec: { constant: 3 },
  resource_requests: { cpu: 0.5, memory: '256Mi', gpu: { type: 'nvidia.com/gpu', number: 1 }, disk: '1Gi' },
  resource_limits: { cpu: 1, memory: '1Gi', gpu: { number: 1 } },
  sidecar_resource_requests: { cpu: 0.1, memory: '64Mi' },
  sidecar_resource_limits: { memory: '256Mi' },
  scheduling_spec: { node_selector: { disktype: 'ssd' }, priority_class_name: 'high' },
  tolerations: [
    { key: 'gpu', operator: 'EXISTS', effect: 'NO_SCHEDULE' },
    { key: 'team', value: 'vision', effect: 'NoExecute', toleration_seconds: 60 },
  ],
  service_account: 'edges-sa',
  pod_spec: '{"dnsPolicy": "ClusterFirst", "hostname": "w"}',
  pod_patch: '[{"op": "add", "path": "/containers/0/env/-", "value": {"name": "EXTRA", "value": "1"}}]',
  metadata: { labels: { team: 'vision' }, annotations: { owner: 'ana' } },
};

function render(raw: object, version = 4, options = OPTIONS): { rc: V1ReplicationController; pod: V1PodSpec; user: V1Container; sidecar: V1Container } {
  const rc = renderWorkload(normalizePipelineSpec(raw), version, options);
  validateObject(rc);
  const pod = rc.spec!.template!.spec!;
  return { rc, pod, user: pod.containers.find((c) => c.name === 'user')!, sidecar: pod.containers.find((c) => c.name === 'tusk-sidecar')! };
}

describe('the workload of a pipeline version', () => {
  it('is a valid ReplicationController carrying every Kubernetes field of the spec', () => {
    const { rc, pod, user, sidecar } = render(EVERY_FIELD);
    expect(rc.metadata).toMatchObject({ name: 'tusk-edges-v2-b21f4eb2-v4', namespace: 'data', annotations: { 'tusk.io/pipeline-name': 'Edges_v2' } });
    expect(rc.metadata!.labels).toEqual({ 'app.kubernetes.io/managed-by': 'tuskd', 'tusk.io/instance': 'tusk', 'tusk.io/pipeline': 'edges-v2-b21f4eb2', 'tusk.io/pipeline-version': '4' });
    expect(rc.spec!.replicas).toBe(3);
    expect(rc.spec!.selector).toEqual(rc.metadata!.labels);
    expect(rc.spec!.template!.metadata!.labels).toMatchObject({ team: 'vision', ...rc.metadata!.labels });
    expect(rc.spec!.template!.metadata!.annotations).toMatchObject({ owner: 'ana' });

    expect(pod.initContainers).toEqual([expect.objectContaining({ name: 'tusk-init', image: OPTIONS.tuskImage })]);
    expect(user.image).toBe('python:3.12-slim');
    expect(user.command).toEqual(['/tusk/runtime/node', '/tusk/runtime/app/dist/worker/main.js']);
    expect(user.resources).toEqual({
      requests: { cpu: '0.5', memory: '256Mi', 'ephemeral-storage': '1Gi', 'nvidia.com/gpu': '1' },
      limits: { cpu: '1', memory: '1Gi', 'nvidia.com/gpu': '1' },
    });
    expect(user.workingDir).toBe('/work');
    expect(user.securityContext).toEqual({ runAsUser: 1000 });
    const env = Object.fromEntries(user.env!.map((e) => [e.name, e.value ?? e.valueFrom]));
    expect(env).toMatchObject({
      TUSK_ADDRESS: 'tusk.data.svc:1650', PACH_ADDRESS: 'tusk.data.svc:1650', TUSK_PIPELINE: 'Edges_v2', PACH_PIPELINE: 'Edges_v2',
      TUSK_PFS: '/pfs', TUSK_WORKER_POD: { fieldRef: { fieldPath: 'metadata.name' } }, PACH_WORKER_POD: { fieldRef: { fieldPath: 'metadata.name' } },
      AWS_ACCESS_KEY_ID: { secretKeyRef: { name: 'tusk-edges-v2-b21f4eb2.secret-s3creds', key: 'access' } }, EXTRA: '1',
    });
    // transform.secrets name secrets of tuskd's store: the pod reads tuskd's copies of them, never the user's Secrets.
    expect(user.volumeMounts).toContainEqual({ name: 'secret-1', mountPath: '/certs', readOnly: true });
    expect(pod.volumes).toContainEqual({ name: 'secret-1', secret: { secretName: 'tusk-edges-v2-b21f4eb2.secret-certs' } });
    expect(secretCopiesOf(rc)).toEqual(['tusk-edges-v2-b21f4eb2.secret-certs', 'tusk-edges-v2-b21f4eb2.secret-s3creds']);
    expect(sidecar).toMatchObject({ image: OPTIONS.tuskImage, resources: { requests: { cpu: '0.1', memory: '64Mi' }, limits: { memory: '256Mi' } } });
    // The code runs as its image's user (or transform.user); the sidecar as root, opening /pfs to every user, so it can
    // collect the folders that code writes and code under any uid can write /pfs/out (test/worker.test.ts, as root).
    expect(sidecar.securityContext).toEqual({ runAsUser: 0 });
    expect(sidecar.env).toContainEqual({ name: 'TUSK_SHARED_PFS', value: 'true' });
    expect(user.env).not.toContainEqual(expect.objectContaining({ name: 'TUSK_SHARED_PFS' }));
    // Both containers share /pfs and the worker folder; /pfs is memory-backed (memory_volume).
    for (const c of [user, sidecar]) expect(c.volumeMounts).toEqual(expect.arrayContaining([{ name: 'pfs', mountPath: '/pfs' }, { name: 'tusk-worker', mountPath: '/tusk/worker' }]));
    expect(pod.volumes).toContainEqual({ name: 'pfs', emptyDir: { medium: 'Memory' } });
    // The sidecar stages datums on the /pfs volume itself: datums are switched by renames, which fail
    // (EXDEV) between two volumes.
    for (const c of [user, sidecar]) {
      const vars = Object.fromEntries(c.env!.map((e) => [e.name, e.value]));
      expect(vars.TUSK_STAGE).toBe('/pfs/.scratch');
      expect(vars.TUSK_STAGE!.startsWith(`${vars.TUSK_PFS}/`)).toBe(true);
    }

    expect(pod.nodeSelector).toEqual({ disktype: 'ssd' });
    expect(pod.priorityClassName).toBe('high');
    expect(pod.tolerations).toEqual([
      { key: 'gpu', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'team', operator: 'Equal', value: 'vision', effect: 'NoExecute', tolerationSeconds: 60 },
    ]);
    expect(pod.serviceAccountName).toBe('edges-sa');
    expect(pod.imagePullSecrets).toEqual([{ name: 'regcred' }]);
    expect(pod).toMatchObject({ dnsPolicy: 'ClusterFirst', hostname: 'w' });
  });

  it('copies a secret of the store into a valid Secret of the pipeline, whose name fits Kubernetes', () => {
    const copy = renderSecretCopy('Edges_v2', 'certs', { 'ca.pem': Buffer.from('PEM'), key: new Uint8Array([0, 255]) }, OPTIONS);
    validateObject(copy);
    expect(copy.metadata).toMatchObject({
      name: 'tusk-edges-v2-b21f4eb2.secret-certs', namespace: 'data',
      labels: { 'app.kubernetes.io/managed-by': 'tuskd', 'tusk.io/instance': 'tusk', 'tusk.io/pipeline': 'edges-v2-b21f4eb2' },
      annotations: { 'tusk.io/pipeline-name': 'Edges_v2', 'tusk.io/secret-name': 'certs' },
    });
    expect(copy.data).toEqual({ 'ca.pem': 'UEVN', key: 'AP8=' });
    const long = 'a'.repeat(240);
    for (const name of [secretCopyName('p'.repeat(80), long), secretCopyName('p'.repeat(80), `${long}b`)]) {
      expect(name.length).toBeLessThanOrEqual(253);
      expect(name).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
    }
    expect(secretCopyName('p'.repeat(80), long)).not.toBe(secretCopyName('p'.repeat(80), `${long}b`));
    // Names that straddle the pipeline and the secret do not meet: pipeline a-secret-b's c, pipeline a's b-secret-c.
    expect(secretCopyName('a-secret-b', 'c')).not.toBe(secretCopyName('a', 'b-secret-c'));
  });

  it('transform.user: uid:gid sets runAsUser and runAsGroup; a user name, which a pod cannot take, is an InvalidSpec naming the field', () => {
    const spec = (user: string) => ({ pipeline: { name: 'u' }, input: { pfs: { repo: 'r', glob: '/' } }, transform: { cmd: ['sh'], user } });
    expect(render(spec('1000:2000')).user.securityContext).toEqual({ runAsUser: 1000, runAsGroup: 2000 });
    expect(render(spec('0')).user.securityContext).toEqual({ runAsUser: 0 });
    let err: unknown;
    try {
      render(spec('nobody'));
    } catch (e) {
      err = e;
    }
    expect(isTuskError(err) && err.code).toBe('InvalidSpec');
    expect((err as Error).message).toMatch(/transform\.user: "nobody" .*uid/);
  });

  it('the schema check catches what Kubernetes would refuse (so the checks above can fail)', () => {
    const { rc } = render(EVERY_FIELD);
    const bad = structuredClone(rc);
    bad.spec!.template!.spec!.containers[0]!.resources = { limits: { cpu: 'lots' } };
    expect(() => validateObject(bad)).toThrow(/cpu/);
  });

  it('for a minimal spec: default image, disk-backed /pfs, no resources, one replica', () => {
    const { rc, pod, user } = render({ pipeline: { name: 'counts' }, input: { pfs: { repo: 'docs', glob: '/*' } }, transform: { cmd: ['sh'] } }, 1);
    expect(rc.metadata!.name).toBe('tusk-counts-v1');
    expect(rc.spec!.replicas).toBe(1);
    expect(user.image).toBe('node:20-bookworm-slim');
    expect(user.resources).toBeUndefined();
    expect(pod.volumes).toContainEqual({ name: 'pfs', emptyDir: {} });
    expect(pod.tolerations).toBeUndefined();
    expect(JSON.stringify(pod)).not.toContain('TUSK_TLS_CA');
  });

  it('with a TLS Secret: worker and sidecar mount only its certificate, read-only, and trust it to dial grpcs://', () => {
    const { pod, user, sidecar } = render(EVERY_FIELD, 4, { ...OPTIONS, address: 'grpcs://tusk.data.svc:1650', tlsSecret: 'tusk-tls' });
    expect(pod.volumes).toContainEqual({ name: 'tusk-tls-ca', secret: { secretName: 'tusk-tls', items: [{ key: 'tls.crt', path: 'ca.crt' }] } });
    for (const c of [user, sidecar]) {
      expect(c.volumeMounts).toContainEqual({ name: 'tusk-tls-ca', mountPath: '/tusk/tls', readOnly: true });
      const env = Object.fromEntries(c.env!.map((e) => [e.name, e.value]));
      expect(env).toMatchObject({ TUSK_ADDRESS: 'grpcs://tusk.data.svc:1650', TUSK_TLS_CA: '/tusk/tls/ca.crt' });
    }
    // The init container copies the runtime and needs neither; user secrets still mount beside it.
    expect(pod.initContainers![0]!.volumeMounts).toEqual([{ name: 'tusk-runtime', mountPath: '/tusk/runtime' }]);
    expect(user.volumeMounts).toContainEqual({ name: 'secret-1', mountPath: '/certs', readOnly: true });
  });

  it('names the pipeline token Secret as an optional volume for worker and sidecar, never a token', () => {
    const { pod, user, sidecar } = render({ pipeline: { name: 'counts' }, input: { pfs: { repo: 'docs', glob: '/*' } }, transform: { cmd: ['sh'] } }, 1);
    expect(pod.volumes).toContainEqual({ name: 'tusk-auth', secret: { secretName: 'tusk-counts-auth', optional: true, items: [{ key: 'token', path: 'token' }] } });
    for (const c of [user, sidecar]) {
      expect(c.volumeMounts).toContainEqual({ name: 'tusk-auth', mountPath: '/tusk/auth', readOnly: true });
      expect(c.env).toContainEqual({ name: 'TUSK_AUTH_TOKEN_FILE', value: '/tusk/auth/token' });
    }
    expect(pod.initContainers![0]!.volumeMounts).toEqual([{ name: 'tusk-runtime', mountPath: '/tusk/runtime' }]);
    const secret = renderAuthSecret('counts', 'tuskp.x', OPTIONS);
    expect(secret.metadata).toMatchObject({ name: 'tusk-counts-auth', namespace: 'data', labels: { 'tusk.io/instance': 'tusk', 'tusk.io/pipeline': 'counts' } });
    validateObject(secret);
  });

  it('pod_spec merges (null deletes) before pod_patch applies', () => {
    const { pod } = render({
      ...EVERY_FIELD,
      pod_spec: { nodeSelector: { disktype: null, zone: 'a' } },
      pod_patch: [{ op: 'replace', path: '/nodeSelector/zone', value: 'b' }, { op: 'remove', path: '/priorityClassName' }],
    });
    expect(pod.nodeSelector).toEqual({ zone: 'b' });
    expect(pod.priorityClassName).toBeUndefined();
  });

  it('a pod_patch that does not apply is an InvalidSpec naming the operation', () => {
    const spec = normalizePipelineSpec({ ...EVERY_FIELD, pod_patch: [{ op: 'add', path: '/x', value: 1 }, { op: 'remove', path: '/containers/7' }] });
    try {
      renderWorkload(spec, 1, OPTIONS);
      expect.unreachable();
    } catch (err) {
      expect(isTuskError(err) && err.code).toBe('InvalidSpec');
      expect((err as Error).message).toContain('pod_patch[1]');
    }
  });

  it('pod_patch, pod_spec and tolerations are checked when the spec is read, naming the field', () => {
    const problems = (raw: object) => {
      try {
        normalizePipelineSpec({ pipeline: { name: 'p' }, input: { pfs: { repo: 'r', glob: '/' } }, transform: { cmd: ['sh'] }, ...raw });
        return '';
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(problems({ pod_patch: '[{"op": "add"' })).toContain('pod_patch: is not JSON');
    expect(problems({ pod_patch: [{ op: 'jump', path: '/x' }] })).toContain('pod_patch[0].op');
    expect(problems({ pod_patch: [{ op: 'add', path: '/x' }] })).toContain('pod_patch[0].value: required for add');
    expect(problems({ pod_spec: '[1]' })).toContain('pod_spec: must be a JSON object');
    expect(problems({ tolerations: [{ key: 'a', operator: 'MAYBE' }] })).toContain('tolerations[0].operator');
    expect(problems({ scheduling_spec: { node_selector: ['a'] } })).toContain('scheduling_spec.node_selector');
    expect(problems({ sidecar_resource_limits: { memory: 'lots' } })).toContain('sidecar_resource_limits.memory');
    expect(problems({ transform: { cmd: ['sh'], image_pull_secrets: 'regcred' } })).toContain('transform.image_pull_secrets');
  });

  it('names fit Kubernetes whatever the pipeline is called, and differ when the pipelines do', () => {
    expect(pipelineKey('counts')).toBe('counts');
    expect(pipelineKey('Counts')).not.toBe(pipelineKey('counts'));
    const long = workloadName('x'.repeat(63), 123456);
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(pipelineKey('_a')).toMatch(/^[a-z0-9]/);
  });
});

describe('tusk render pipeline', () => {
  it('prints valid YAML objects for a file of several specs, as kubectl reads them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tusk-render-'));
    const file = join(dir, 'specs.yaml');
    writeFileSync(file, `${JSON.stringify(EVERY_FIELD)}\n---\npipeline: {name: top}\ninput: {pfs: {repo: counts, glob: /}}\ntransform: {cmd: [sh]}\n`);
    const bin = join(import.meta.dirname, '../../../bin/tusk');
    const out = execFileSync(bin, ['render', 'pipeline', '-f', file, '--version', '2'], { encoding: 'utf8', env: { ...process.env, TUSK_IMAGE: 'me/tusk:1', TUSK_NAMESPACE: 'ns' } });
    const objects = parseAllDocuments(out).map((d) => d.toJS({ version: '1.1' }) as V1ReplicationController);
    expect(objects.map((o) => o.metadata!.name)).toEqual(['tusk-edges-v2-b21f4eb2-v2', 'tusk-top-v2']);
    for (const o of objects) validateObject(o);
    expect(objects[1]!.spec!.template!.spec!.initContainers![0]!.image).toBe('me/tusk:1');
    expect(JSON.stringify(objects[0])).toContain('"TUSK_SANDBOX","value":"off"');
  });

  it('honours TUSK_WORKER_TLS_SECRET as tuskd does: pods trust that Secret\'s certificate', () => {
    const bin = join(import.meta.dirname, '../../../bin/tusk');
    const env = { ...process.env, TUSK_NAMESPACE: 'ns', TUSK_WORKER_ADDRESS: 'grpcs://tusk.ns.svc:1650', TUSK_WORKER_TLS_SECRET: 'my-tls' };
    const spec = 'pipeline: {name: top}\ninput: {pfs: {repo: counts, glob: /}}\ntransform: {cmd: [sh]}\n';
    const rc = JSON.parse(execFileSync(bin, ['render', 'pipeline', '-f', '-', '-o', 'json'], { encoding: 'utf8', env, input: spec })) as V1ReplicationController;
    validateObject(rc);
    const pod = rc.spec!.template!.spec!;
    expect(pod.volumes).toContainEqual({ name: 'tusk-tls-ca', secret: { secretName: 'my-tls', items: [{ key: 'tls.crt', path: 'ca.crt' }] } });
    const sidecar = pod.containers.find((c) => c.name === 'tusk-sidecar')!;
    expect(sidecar.env).toEqual(expect.arrayContaining([{ name: 'TUSK_ADDRESS', value: 'grpcs://tusk.ns.svc:1650' }, { name: 'TUSK_TLS_CA', value: '/tusk/tls/ca.crt' }]));
  });
});
