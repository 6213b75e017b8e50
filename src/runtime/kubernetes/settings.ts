// Where the Kubernetes runtime's workloads point, from the environment (the
// tuskd StatefulSet in deploy/ sets these): the tusk image for the init and
// sidecar containers, the namespace, the tuskd instance label and the address
// pods dial. `tusk render pipeline` reads the same variables, so what it prints
// is what a tuskd with that environment would apply.
import type { WorkloadOptions } from './workload.js';

export const DEFAULT_IMAGE = 'tusk:latest';

export type KubernetesSettings = Omit<WorkloadOptions, 'replicas'>;

/**
 * TUSK_IMAGE (default tusk:latest), TUSK_NAMESPACE (default: the pod's own
 * namespace when given as `inClusterNamespace`, else "default"), TUSK_INSTANCE
 * (default "tusk"), TUSK_WORKER_ADDRESS (default tusk.NAMESPACE.svc:1650, the
 * Service deploy/ creates).
 */
export function kubernetesSettings(env: NodeJS.ProcessEnv, inClusterNamespace?: string): KubernetesSettings {
  const namespace = env.TUSK_NAMESPACE || inClusterNamespace || 'default';
  return {
    tuskImage: env.TUSK_IMAGE || DEFAULT_IMAGE,
    namespace,
    instance: env.TUSK_INSTANCE || 'tusk',
    address: env.TUSK_WORKER_ADDRESS || `tusk.${namespace}.svc:1650`,
  };
}
