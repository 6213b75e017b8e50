// deploy/: every object `kubectl kustomize deploy/overlays/*` renders is valid
// against the Kubernetes schemas, and the install holds together (the Service
// reaches tuskd's ports, the Secret tuskd reads exists, the Role grants what
// the runtime uses and nothing else). Needs kubectl (kustomize); skips without.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { RBAC_RULES } from '../../src/runtime/kubernetes/rbac.js';
import { validateObject } from '../helpers/kubernetes-schemas.js';

const ROOT = join(import.meta.dirname, '../..');
const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
if (!kubectl) console.warn('deploy.test: skipped, no kubectl on PATH to run `kubectl kustomize`');

type Obj = any;

function render(overlay: string): Obj[] {
  const out = execFileSync('kubectl', ['kustomize', join(ROOT, 'deploy/overlays', overlay)], { encoding: 'utf8' });
  return parseAllDocuments(out).map((d) => d.toJS());
}

const find = (objs: Obj[], kind: string, name?: string) => objs.filter((o) => o.kind === kind && (!name || o.metadata.name === name || o.metadata.name.startsWith(`${name}-`)));

describe.skipIf(!kubectl)('kubectl kustomize deploy/overlays/*', () => {
  for (const overlay of ['minio', 's3', 'minio-tls']) {
    it(`${overlay}: every object is valid and tuskd's install holds together`, () => {
      const objs = render(overlay);
      for (const o of objs) validateObject(o);
      const [sts] = find(objs, 'StatefulSet', 'tusk');
      expect(sts.spec.replicas).toBe(1);
      expect(sts.spec.volumeClaimTemplates[0].metadata.name).toBe('data');
      const pod = sts.spec.template;
      expect(pod.metadata.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '1680', 'prometheus.io/path': '/metrics' });
      expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      const [tuskd] = pod.spec.containers;
      expect(tuskd.image).toBe('tusk:0.1.0');
      const env = Object.fromEntries(tuskd.env.map((e: Obj) => [e.name, e.value ?? e.valueFrom]));
      expect(env).toMatchObject({ TUSK_HOST: '0.0.0.0', TUSK_RUNTIME: 'kubernetes', TUSK_HOME: '/data' });
      const scheme = overlay.endsWith('-tls') ? { scheme: 'HTTPS' } : {};
      expect(tuskd.readinessProbe.httpGet).toEqual({ path: '/healthz', port: 'http', ...scheme });
      expect(tuskd.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http', ...scheme });
      // tuskd answers /healthz once it has read every pack index of the object store (~6 ms a pack measured on
      // s3rver): a startup probe holds the liveness probe off for 30 minutes, or a large store would be killed
      // while it starts, again at every restart.
      expect(tuskd.startupProbe.httpGet).toEqual({ path: '/healthz', port: 'http', ...scheme });
      expect(tuskd.startupProbe.periodSeconds * tuskd.startupProbe.failureThreshold).toBeGreaterThanOrEqual(1800);
      // TUSK_WORKER_ADDRESS refers to TUSK_NAMESPACE, which Kubernetes expands only when it comes earlier.
      const names = tuskd.env.map((e: Obj) => e.name);
      expect(names.indexOf('TUSK_NAMESPACE')).toBeLessThan(names.indexOf('TUSK_WORKER_ADDRESS'));
      expect(tuskd.volumeMounts).toContainEqual({ name: 'data', mountPath: '/data' });

      // The Service selects tuskd's pod and maps 1650, 1600 and 1680 onto its named ports.
      const [svc] = find(objs, 'Service', 'tusk');
      expect(Object.entries(svc.spec.selector).every(([k, v]) => pod.metadata.labels[k] === v)).toBe(true);
      expect(svc.spec.ports.map((p: Obj) => [p.port, p.targetPort])).toEqual([[1650, 'grpc'], [1600, 's3'], [1680, 'http']]);
      const containerPorts = Object.fromEntries(tuskd.ports.map((p: Obj) => [p.name, p.containerPort]));
      expect(containerPorts).toEqual({ grpc: 1650, s3: 1600, http: 1680 });

      // Storage comes from a Secret that exists in the same render and names TUSK_STORAGE.
      const secretName = tuskd.envFrom[0].secretRef.name;
      const [secret] = objs.filter((o) => o.kind === 'Secret' && o.metadata.name === secretName);
      expect(Buffer.from(secret.data.TUSK_STORAGE.replace(/\s+/g, ''), 'base64').toString()).toMatch(/^s3:\/\//);
      expect(Object.keys(secret.data)).toEqual(expect.arrayContaining(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']));

      // The Role is namespaced, bound to tuskd's ServiceAccount, and grants exactly what the runtime uses.
      expect(pod.spec.serviceAccountName).toBe('tusk');
      const [role] = find(objs, 'Role', 'tusk');
      expect(role.rules).toEqual(RBAC_RULES);
      const [binding] = find(objs, 'RoleBinding', 'tusk');
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'tusk' }]);
      expect(find(objs, 'ClusterRole')).toEqual([]);
    });
  }

  it('minio-tls: tuskd serves TLS from the tusk-tls Secret, probes use HTTPS and workers dial grpcs:// trusting it', () => {
    const objs = render('minio-tls');
    const [sts] = find(objs, 'StatefulSet', 'tusk');
    const pod = sts.spec.template.spec;
    const [tuskd] = pod.containers;
    const env = Object.fromEntries(tuskd.env.map((e: Obj) => [e.name, e.value ?? e.valueFrom]));
    expect(env).toMatchObject({
      TUSK_TLS_CERT: '/etc/tusk/tls/tls.crt', TUSK_TLS_KEY: '/etc/tusk/tls/tls.key',
      TUSK_WORKER_ADDRESS: 'grpcs://tusk.$(TUSK_NAMESPACE).svc:1650', TUSK_WORKER_TLS_SECRET: 'tusk-tls',
    });
    // Each name once: the patch replaced the base's plaintext address rather than adding a second one.
    expect(new Set(tuskd.env.map((e: Obj) => e.name)).size).toBe(tuskd.env.length);
    expect(tuskd.volumeMounts).toContainEqual({ name: 'tls', mountPath: '/etc/tusk/tls', readOnly: true });
    // The Secret is the user's (not generated, so its name has no hash suffix), and it is the one workers trust.
    expect(pod.volumes).toContainEqual({ name: 'tls', secret: { secretName: 'tusk-tls' } });
    expect(find(objs, 'Secret', 'tusk-tls')).toEqual([]);
    // Everything else is the minio install, unchanged.
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(render('minio').map((o) => `${o.kind}/${o.metadata.name}`));
  });

  it('minio: MinIO with its volume, and a Job creating the bucket tuskd stores into, with the same credentials', () => {
    const objs = render('minio');
    const [minio] = find(objs, 'Deployment', 'minio');
    expect(minio.spec.template.spec.volumes[0].persistentVolumeClaim.claimName).toBe(find(objs, 'PersistentVolumeClaim', 'minio-data')[0].metadata.name);
    const [job] = find(objs, 'Job', 'minio-create-bucket');
    expect(job.spec.template.spec.containers[0].command.join(' ')).toContain('mc mb --ignore-existing local/tusk');
    const secrets = Object.fromEntries(find(objs, 'Secret').map((s: Obj) => [s.metadata.name.replace(/-[a-z0-9]{10}$/, ''), s.data]));
    const text = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'base64').toString();
    expect(text(secrets['tusk-storage'].TUSK_STORAGE)).toBe('s3://tusk?endpoint=http://minio:9000&region=us-east-1');
    expect(text(secrets['tusk-storage'].AWS_ACCESS_KEY_ID)).toBe(text(secrets['minio-credentials'].MINIO_ROOT_USER));
    expect(text(secrets['tusk-storage'].AWS_SECRET_ACCESS_KEY)).toBe(text(secrets['minio-credentials'].MINIO_ROOT_PASSWORD));
  });
});

describe('deploy/Dockerfile', () => {
  it('builds on the official Node 20 Debian image and runs as a non-root user, with the paths workloads copy', () => {
    const text = readFileSync(join(ROOT, 'deploy/Dockerfile'), 'utf8');
    expect(text.match(/^FROM (\S+)/gm)).toEqual(['FROM node:20-bookworm-slim', 'FROM node:20-bookworm-slim']);
    expect(text).toMatch(/^USER node$/m);
    expect(text).toContain('COPY --from=build /src/dist /app/dist');
    // the daemon starts through bin/tuskd (its heap flags), which the image carries
    expect(text).toMatch(/^ENTRYPOINT \["node", "\/app\/bin\/tuskd"\]$/m);
    expect(text).toContain('COPY --from=build /src/bin /app/bin');
  });
});
