// Where the Kubernetes runtime's workloads point, from the environment (the
// tuskd StatefulSet in deploy/ sets these): the tusk image for the init and
// sidecar containers, the namespace, the tuskd instance label, the address
// pods dial and the Secret whose certificate they trust when it is grpcs://. `tusk render pipeline` reads the same variables, so what it prints
// is what a tuskd with that environment would apply.
import type { WorkloadOptions } from './workload.js';

export const DEFAULT_IMAGE = 'tusk:latest';

export type KubernetesSettings = Omit<WorkloadOptions, 'replicas'>;

/**
 * TUSK_IMAGE (default tusk:latest), TUSK_NAMESPACE (default: the pod's own
 * namespace when given as `inClusterNamespace`, else "default"), TUSK_INSTANCE
 * (default "tusk"), TUSK_WORKER_ADDRESS (default tusk.NAMESPACE.svc:1650, the
 * Service deploy/ creates), TUSK_WORKER_TLS_SECRET (none: the kubernetes.io/tls Secret whose tls.crt
 * workers trust; deploy/components/tls sets it).
 */
export function kubernetesSettings(env: NodeJS.ProcessEnv, inClusterNamespace?: string): KubernetesSettings {
  const namespace = env.TUSK_NAMESPACE || inClusterNamespace || 'default';
  return {
    tuskImage: env.TUSK_IMAGE || DEFAULT_IMAGE,
    namespace,
    instance: env.TUSK_INSTANCE || 'tusk',
    address: env.TUSK_WORKER_ADDRESS || `tusk.${namespace}.svc:1650`,
    ...(env.TUSK_WORKER_TLS_SECRET && { tlsSecret: env.TUSK_WORKER_TLS_SECRET }),
  };
}
