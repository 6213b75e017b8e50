// The Kubernetes runtime: pipeline workers as pods of one ReplicationController
// per pipeline version, each pod an init container injecting the worker into
// the user's image, the user container and a sidecar sharing /pfs. This index
// opens it for tuskd: cluster credentials, settings from the environment.
import type { Pps } from '../../pps/index.js';
import { connectCluster } from './cluster.js';
import { KubernetesRuntime } from './kubernetes-runtime.js';
import { kubernetesSettings } from './settings.js';

export { KubernetesRuntime } from './kubernetes-runtime.js';
export { renderWorkload, workloadName } from './workload.js';
export { kubernetesSettings } from './settings.js';

type Log = (level: 'info' | 'warn' | 'error', event: string, fields: Record<string, unknown>) => void;

/**
 * Connects to the cluster (in-cluster credentials, else the kubeconfig) and builds the runtime.
 * `pps` is read when the runtime first needs it (the pipeline system is built after its runtime).
 * TUSK_IMAGE defaults to the image of tuskd's own pod (TUSK_POD_NAME), else tusk:latest.
 * `token` gives a pipeline's token while access control is on (its pods get it from a Secret);
 * `secretValues` a secret of the secret store (transform.secrets; the pods get a copy of it in a Secret).
 */
export async function openKubernetesRuntime(
  env: NodeJS.ProcessEnv,
  pps: () => Pps | undefined,
  log: Log,
  token?: (pipeline: string) => string | undefined,
  secretValues?: (secret: string) => Promise<Readonly<Record<string, Uint8Array>>>,
): Promise<KubernetesRuntime> {
  const cluster = await connectCluster(env.TUSK_NAMESPACE);
  let image = env.TUSK_IMAGE;
  if (!image && env.TUSK_POD_NAME) image = (await cluster.getPod(env.TUSK_POD_NAME))?.spec?.containers[0]?.image;
  const settings = kubernetesSettings({ ...env, TUSK_NAMESPACE: cluster.namespace, ...(image && { TUSK_IMAGE: image }) });
  log('info', 'kubernetes_runtime', { namespace: settings.namespace, image: settings.tuskImage, instance: settings.instance, workerAddress: settings.address });
  return new KubernetesRuntime({
    cluster,
    settings,
    lookup: async (pipeline) => {
      const p = (await pps()?.pipelines.list())?.find((x) => x.name === pipeline);
      return p && { spec: p.spec, version: p.version };
    },
    hasWork: (pipeline) => pps()?.hasWork(pipeline) ?? false,
    activeVersions: (pipeline) => pps()?.activeVersions(pipeline) ?? [],
    lookupVersion: async (pipeline, version) => pps()?.versionSpec(pipeline, version),
    workersChanged: (pipeline) => pps()?.workersChanged(pipeline),
    ...(token && { token }),
    ...(secretValues && { secretValues }),
    onLost: (pipeline, pod, reason, gone) => pps()?.podLost(pipeline, pod, reason, gone),
    onTrouble: (pipeline, reason) => {
      pps()?.workersTrouble(pipeline, reason).catch((err) => log('error', 'workers_trouble_failed', { pipeline, message: (err as Error).message }));
    },
    log,
  });
}
