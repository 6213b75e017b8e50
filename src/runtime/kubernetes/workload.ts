// The Kubernetes workload of one pipeline version: a ReplicationController
// whose pods hold an init container (the tusk image) that copies a Node
// runtime and the built worker into a shared emptyDir, the user container
// (`transform.image`) running that injected worker as its entry point, and the
// sidecar container (the tusk image) sharing /pfs with it. Pure: spec in,
// object out; `tusk render pipeline` prints it and the runtime applies it.
//
// Why a ReplicationController and not a Deployment: every pipeline version
// gets its own workload, created once and deleted when a newer version takes
// over, so a Deployment's rollout machinery (and its extra ReplicaSet level)
// would never be used; the RC owns its pods directly, as in Pachyderm, so
// "which pods belong to this version" is one label selector away.
import type { V1Container, V1EnvVar, V1PodSpec, V1ReplicationController, V1ResourceRequirements, V1Secret, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import { InvalidSpec } from '../../errors/index.js';
import type { PipelineSpec, Resources } from '../../pps/index.js';
import { applyJsonPatch, applyMergePatch, PatchError } from './json-patch.js';

export interface WorkloadOptions {
  /** The tusk image: init container and sidecar. */
  tuskImage: string;
  /** tuskd's gRPC address as pods dial it (`tusk.NAMESPACE.svc:1650`). */
  address: string;
  /** The tuskd instance that owns the workload: its objects carry this label and it touches no others. */
  instance: string;
  namespace: string;
  /**
   * The kubernetes.io/tls Secret of tuskd's certificate (TUSK_WORKER_TLS_SECRET): when set, the worker and
   * sidecar mount its tls.crt and trust it (TUSK_TLS_CA) to dial a grpcs:// address.
   */
  tlsSecret?: string;
  /** Number of pods; parallelism_spec.constant unless the runtime scales it (to zero when idle). */
  replicas?: number;
}

export const LABELS = {
  managedBy: 'app.kubernetes.io/managed-by',
  component: 'app.kubernetes.io/component',
  instance: 'tusk.io/instance',
  pipeline: 'tusk.io/pipeline',
  version: 'tusk.io/pipeline-version',
} as const;
/** The exact pipeline name (a label value cannot hold every pipeline name). */
export const PIPELINE_ANNOTATION = 'tusk.io/pipeline-name';
/** On a secret copy: the name of the secret-store secret it copies. */
export const SECRET_ANNOTATION = 'tusk.io/secret-name';
export const MANAGED_BY = 'tuskd';

/** Where the init container puts the Node runtime and the worker, in every container that mounts it. */
export const RUNTIME_DIR = '/tusk/runtime';
/** The worker's folder (sidecar socket), shared by the user and sidecar containers. */
export const WORKER_DIR = '/tusk/worker';
export const PFS = '/pfs';
/** The sidecar's staging folder: on the /pfs volume (see TUSK_STAGE below). */
export const STAGE = `${PFS}/.scratch`;
/** Where the tusk image holds the package (dist/, node_modules/) and its Node binary. */
export const IMAGE_APP = '/app';
/** Where the worker and sidecar find tuskd's certificate (tls.crt of TUSK_WORKER_TLS_SECRET) when it serves TLS. */
export const TLS_CA_DIR = '/tusk/tls';
export const IMAGE_NODE = '/usr/local/bin/node';
/**
 * Where the worker and sidecar find the pipeline's token (access control on): the Secret of
 * authSecretName(), mounted as an optional volume, so the same pod spec serves with auth on and off.
 */
export const AUTH_DIR = '/tusk/auth';
export const AUTH_TOKEN_KEY = 'token';

export const CONTAINERS = { init: 'tusk-init', user: 'user', sidecar: 'tusk-sidecar' } as const;

/** A name usable in Kubernetes names and label values: lowercase, [a-z0-9-], a hash suffix when that changed it. */
export function pipelineKey(pipeline: string): string {
  const clean = pipeline.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+|-+$/g, '');
  if (clean === pipeline && clean.length <= 40) return clean;
  const hash = createHash('sha256').update(pipeline).digest('hex').slice(0, 8);
  return `${clean.slice(0, 40).replace(/-+$/, '') || 'p'}-${hash}`;
}

export function workloadName(pipeline: string, version: number): string {
  return `tusk-${pipelineKey(pipeline)}-v${version}`;
}

/** The Secret holding the pipeline's token: one per pipeline (its token does not change with its versions). */
export function authSecretName(pipeline: string): string {
  return `tusk-${pipelineKey(pipeline)}-auth`;
}

/** The pipeline's token Secret (the runtime applies it; `render pipeline` shows only the reference to it). */
export function renderAuthSecret(pipeline: string, token: string, o: Pick<WorkloadOptions, 'instance' | 'namespace'>): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: authSecretName(pipeline),
      namespace: o.namespace,
      labels: { ...instanceLabels(o.instance), [LABELS.pipeline]: pipelineKey(pipeline), [LABELS.component]: 'pipeline-token' },
      annotations: { [PIPELINE_ANNOTATION]: pipeline },
    },
    stringData: { [AUTH_TOKEN_KEY]: token },
  };
}

/**
 * The copy of a secret of the secret store (`tusk create secret`) that the pipeline's pods read for its
 * transform.secrets entries: tuskd writes it (its own Secret, never one the user made) before the workload.
 */
export function secretCopyName(pipeline: string, secret: string): string {
  // The first '.' ends the pipeline's part (pipelineKey has none): no two (pipeline, secret) pairs share a name.
  const name = `tusk-${pipelineKey(pipeline)}.secret-${secret}`;
  if (name.length <= 253) return name;
  const hash = createHash('sha256').update(secret).digest('hex').slice(0, 8);
  return `${name.slice(0, 244).replace(/[-.]+$/, '')}-${hash}`;
}

/** The Secret of secretCopyName(): the secret store's values of `secret`, labelled like the pipeline's workloads. */
export function renderSecretCopy(pipeline: string, secret: string, values: Readonly<Record<string, Uint8Array>>, o: Pick<WorkloadOptions, 'instance' | 'namespace'>): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: secretCopyName(pipeline, secret),
      namespace: o.namespace,
      labels: { ...instanceLabels(o.instance), [LABELS.pipeline]: pipelineKey(pipeline), [LABELS.component]: 'pipeline-secret' },
      annotations: { [PIPELINE_ANNOTATION]: pipeline, [SECRET_ANNOTATION]: secret },
    },
    data: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  };
}

/** The secret copies (secretCopyName) a workload's pods read: what must exist while it does. */
export function secretCopiesOf(rc: V1ReplicationController): string[] {
  const pod = rc.spec?.template?.spec;
  const pipeline = rc.metadata?.annotations?.[PIPELINE_ANNOTATION];
  if (!pod || pipeline === undefined) return [];
  const prefix = `tusk-${pipelineKey(pipeline)}.secret-`;
  const names = [
    ...(pod.volumes ?? []).map((v) => v.secret?.secretName),
    ...pod.containers.flatMap((c) => (c.env ?? []).map((e) => e.valueFrom?.secretKeyRef?.name)),
  ];
  return [...new Set(names.filter((n): n is string => n?.startsWith(prefix) ?? false))].sort();
}

/** The labels every object of the instance carries: what adoption selects on. */
export function instanceLabels(instance: string): Record<string, string> {
  return { [LABELS.managedBy]: MANAGED_BY, [LABELS.instance]: instance };
}

export function versionLabels(instance: string, pipeline: string, version: number): Record<string, string> {
  return { ...instanceLabels(instance), [LABELS.pipeline]: pipelineKey(pipeline), [LABELS.version]: String(version) };
}

/** The workload of `spec` at `version`. Throws InvalidSpec naming pod_spec or pod_patch when a patch does not apply. */
export function renderWorkload(spec: PipelineSpec, version: number, o: WorkloadOptions): V1ReplicationController {
  const labels = versionLabels(o.instance, spec.name, version);
  const podLabels = { ...spec.metadata?.labels, ...labels, [LABELS.component]: 'worker' };
  return {
    apiVersion: 'v1',
    kind: 'ReplicationController',
    metadata: { name: workloadName(spec.name, version), namespace: o.namespace, labels, annotations: { [PIPELINE_ANNOTATION]: spec.name } },
    spec: {
      replicas: o.replicas ?? spec.parallelismSpec.constant,
      selector: labels,
      template: {
        metadata: { labels: podLabels, annotations: { ...spec.metadata?.annotations, [PIPELINE_ANNOTATION]: spec.name } },
        spec: patchPodSpec(spec, podSpec(spec, version, o)),
      },
    },
  };
}

function podSpec(spec: PipelineSpec, version: number, o: WorkloadOptions): V1PodSpec {
  const t = spec.transform;
  const pod = spec.pod ?? {};
  const secretVolumes: V1Volume[] = [];
  const secretMounts: V1VolumeMount[] = [];
  const secretEnv: V1EnvVar[] = [];
  // transform.secrets name secrets of tuskd's secret store: the pods read tuskd's copy of each (secretCopyName).
  t.secrets.forEach((s, i) => {
    const copy = secretCopyName(spec.name, s.name);
    if (s.mountPath) {
      secretVolumes.push({ name: `secret-${i}`, secret: { secretName: copy } });
      secretMounts.push({ name: `secret-${i}`, mountPath: s.mountPath, readOnly: true });
    }
    if (s.envVar) secretEnv.push({ name: s.envVar, valueFrom: { secretKeyRef: { name: copy, key: s.key } } });
  });
  const env: V1EnvVar[] = [
    { name: 'TUSK_ADDRESS', value: o.address },
    { name: 'TUSK_PIPELINE', value: spec.name },
    { name: 'TUSK_PIPELINE_VERSION', value: String(version) },
    // The worker's ID is TUSK_WORKER_POD/<random>, new at each container start (worker/main.ts).
    { name: 'TUSK_WORKER_POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'TUSK_WORKER_DIR', value: WORKER_DIR },
    { name: 'TUSK_SIDECAR_SOCKET', value: `${WORKER_DIR}/sidecar.sock` },
    { name: 'TUSK_PFS', value: PFS },
    // Where the sidecar stages datums: inside the /pfs volume, because switching datums renames
    // folders between the stage and /pfs, and rename(2) across two mounts fails with EXDEV (two
    // emptyDir volumes are two mounts even on one disk; a memory_volume /pfs is a tmpfs of its own).
    // User code sees it as /pfs/.scratch, as in Pachyderm.
    { name: 'TUSK_STAGE', value: STAGE },
    ...(o.tlsSecret ? [{ name: 'TUSK_TLS_CA', value: `${TLS_CA_DIR}/ca.crt` }] : []),
    // A path, not the token: the file is there only while access control is on (optional volume).
    { name: 'TUSK_AUTH_TOKEN_FILE', value: `${AUTH_DIR}/${AUTH_TOKEN_KEY}` },
  ];
  // Pachyderm's names for what user code may read (the worker adds the per-datum ones).
  const pachEnv = env.slice(0, 4).map((e) => ({ ...e, name: `PACH_${e.name.slice(5)}` }));
  const shared: V1VolumeMount[] = [
    { name: 'pfs', mountPath: PFS },
    { name: 'tusk-worker', mountPath: WORKER_DIR },
    ...(o.tlsSecret ? [{ name: 'tusk-tls-ca', mountPath: TLS_CA_DIR, readOnly: true }] : []),
    { name: 'tusk-auth', mountPath: AUTH_DIR, readOnly: true },
  ];
  const init: V1Container = {
    name: CONTAINERS.init,
    image: o.tuskImage,
    command: ['/bin/sh', '-c', `cp -a ${IMAGE_NODE} ${RUNTIME_DIR}/node && cp -a ${IMAGE_APP} ${RUNTIME_DIR}/app`],
    volumeMounts: [{ name: 'tusk-runtime', mountPath: RUNTIME_DIR }],
  };
  const user: V1Container = {
    name: CONTAINERS.user,
    image: t.image || 'node:20-bookworm-slim',
    // The worker runs transform.cmd itself; the container is its sandbox, so it does not start bubblewrap.
    command: [`${RUNTIME_DIR}/node`, `${RUNTIME_DIR}/app/dist/worker/main.js`],
    env: [...env, ...pachEnv, { name: 'TUSK_SANDBOX', value: 'off' }, ...secretEnv],
    volumeMounts: [...shared, { name: 'tusk-runtime', mountPath: RUNTIME_DIR, readOnly: true }, ...secretMounts],
    ...resources(spec.resourceRequests, spec.resourceLimits),
    ...(t.workingDir && { workingDir: t.workingDir }),
    ...(t.user && { securityContext: runAs(t.user) }),
  };
  const sidecar: V1Container = {
    name: CONTAINERS.sidecar,
    image: o.tuskImage,
    command: ['node', `${IMAGE_APP}/dist/sidecar/main.js`],
    // The user container runs as its image's user (root, or any uid) and the tusk image's user is uid 1000: Linux
    // lets only root (or a folder's owner) move a folder the code wrote in /pfs/out, so the sidecar runs as root and
    // opens what it makes under /pfs to every user (TUSK_SHARED_PFS), so code under any uid writes /pfs/out.
    env: [...env, { name: 'TUSK_SHARED_PFS', value: 'true' }],
    securityContext: { runAsUser: 0 },
    volumeMounts: shared,
    ...resources(pod.sidecarResourceRequests, pod.sidecarResourceLimits),
  };
  return {
    initContainers: [init],
    containers: [user, sidecar],
    volumes: [
      { name: 'tusk-runtime', emptyDir: {} },
      { name: 'tusk-worker', emptyDir: {} },
      { name: 'pfs', emptyDir: t.memoryVolume ? { medium: 'Memory' } : {} },
      // Only the certificate: the key stays in tuskd's pod.
      ...(o.tlsSecret ? [{ name: 'tusk-tls-ca', secret: { secretName: o.tlsSecret, items: [{ key: 'tls.crt', path: 'ca.crt' }] } }] : []),
      // The pipeline's token, by reference: tuskd creates the Secret while access control is on.
      { name: 'tusk-auth', secret: { secretName: authSecretName(spec.name), optional: true, items: [{ key: AUTH_TOKEN_KEY, path: AUTH_TOKEN_KEY }] } },
      ...secretVolumes,
    ],
    restartPolicy: 'Always',
    ...(pod.nodeSelector && { nodeSelector: { ...pod.nodeSelector } }),
    ...(pod.priorityClassName && { priorityClassName: pod.priorityClassName }),
    ...(pod.tolerations && { tolerations: pod.tolerations.map((x) => ({ ...x, ...(x.effect === '' && { effect: undefined }), ...(x.operator === 'Exists' && { value: undefined }) })).map(dropUndefined) }),
    ...(pod.serviceAccount && { serviceAccountName: pod.serviceAccount }),
    ...(t.imagePullSecrets && { imagePullSecrets: t.imagePullSecrets.map((name) => ({ name })) }),
  };
}

/**
 * transform.user as the user container's securityContext: `uid` or `uid:gid`. A user name is refused rather than
 * dropped (the code would run as the image's user, root for most images): a pod takes numbers only.
 */
function runAs(user: string): { runAsUser: number; runAsGroup?: number } {
  const m = /^(\d+)(?::(\d+))?$/.exec(user);
  if (!m) throw new InvalidSpec([{ path: 'transform.user', problem: `"${user}" is a name, and the kubernetes runtime sets the pod's runAsUser, which takes a uid: give "UID" or "UID:GID" (e.g. "65534" for nobody)` }]);
  return { runAsUser: Number(m[1]), ...(m[2] !== undefined && { runAsGroup: Number(m[2]) }) };
}

function resources(requests: Resources | undefined, limits: Resources | undefined): { resources?: V1ResourceRequirements } {
  const r = { ...(requests && { requests: quantities(requests) }), ...(limits && { limits: quantities(limits) }) };
  return Object.keys(r).length ? { resources: r } : {};
}

function quantities(r: Resources): Record<string, string> {
  const out: Record<string, string> = {};
  if (r.cpu !== undefined) out.cpu = String(r.cpu);
  if (r.memory !== undefined) out.memory = r.memory;
  if (r.disk !== undefined) out['ephemeral-storage'] = r.disk;
  if (r.gpu && r.gpu.number > 0) out[r.gpu.type || 'nvidia.com/gpu'] = String(r.gpu.number);
  return out;
}

/** pod_spec (merge patch), then pod_patch (JSON patch), over the generated pod spec. */
function patchPodSpec(spec: PipelineSpec, generated: V1PodSpec): V1PodSpec {
  let out: unknown = dropUndefined(generated);
  const pod = spec.pod ?? {};
  if (pod.podSpec) out = applyMergePatch(out, pod.podSpec);
  if (pod.podPatch) {
    try {
      out = applyJsonPatch(out, pod.podPatch);
    } catch (err) {
      if (!(err instanceof PatchError)) throw err;
      throw new InvalidSpec([{ path: `pod_patch[${err.index}]`, problem: `does not apply to the generated pod spec: ${err.message}` }]);
    }
  }
  if (typeof out !== 'object' || out === null || Array.isArray(out)) throw new InvalidSpec([{ path: pod.podPatch ? 'pod_patch' : 'pod_spec', problem: 'must leave the pod spec an object' }]);
  return out as V1PodSpec;
}

function dropUndefined<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
