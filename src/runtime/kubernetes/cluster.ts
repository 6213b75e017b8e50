// The Kubernetes API calls the kubernetes runtime makes (rbac.ts lists them as
// RBAC rules), declared here as the narrow interface the runtime uses, and
// implemented over @kubernetes/client-node with in-cluster credentials when
// tuskd runs in a pod, else the kubeconfig ($KUBECONFIG or ~/.kube/config).
import type { V1Pod, V1ReplicationController, V1Secret } from '@kubernetes/client-node';
import { KubernetesUnavailable } from '../../errors/index.js';

export type PodEvent = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface Cluster {
  readonly namespace: string;
  /** ReplicationControllers matching a label selector (`a=b,c=d`). */
  listWorkloads(selector: string): Promise<V1ReplicationController[]>;
  createWorkload(rc: V1ReplicationController): Promise<void>;
  scaleWorkload(name: string, replicas: number): Promise<void>;
  /** Deletes the workload and (in the background) its pods; a missing one is not an error. */
  deleteWorkload(name: string): Promise<void>;
  listPods(selector: string): Promise<{ pods: V1Pod[]; resourceVersion: string }>;
  /** Watches pods from `resourceVersion`; `done` is called once when the watch ends (with why, if it failed). Returns a stop function. */
  watchPods(selector: string, resourceVersion: string, onEvent: (type: PodEvent, pod: V1Pod) => void, done: (err?: Error) => void): Promise<() => void>;
  /** A pod by name, or undefined. */
  getPod(name: string): Promise<V1Pod | undefined>;
  /** Creates the Secret, or replaces the one of that name. */
  applySecret(secret: V1Secret): Promise<void>;
  /** Deletes the Secret; a missing one is not an error. */
  deleteSecret(name: string): Promise<void>;
}

/** The namespace tuskd's own pod runs in (in a cluster), from the service account mount. */
export const IN_CLUSTER_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/** A Cluster over @kubernetes/client-node (loaded here, so a local tuskd never pays for it). */
export async function connectCluster(namespace: string | undefined): Promise<Cluster> {
  const k8s = await import('@kubernetes/client-node');
  const { readFile } = await import('node:fs/promises');
  const { existsSync } = await import('node:fs');
  const { homedir } = await import('node:os');
  const kc = new k8s.KubeConfig();
  const inCluster = Boolean(process.env.KUBERNETES_SERVICE_HOST);
  const kubeconfig = process.env.KUBECONFIG || `${homedir()}/.kube/config`;
  // Without a file, client-node would fall back to http://localhost:8080: say what is missing instead.
  if (!inCluster && !process.env.KUBECONFIG?.includes(':') && !existsSync(kubeconfig)) {
    throw new KubernetesUnavailable(`no cluster credentials: not in a pod, and no kubeconfig at ${kubeconfig}`);
  }
  try {
    if (inCluster) kc.loadFromCluster();
    else kc.loadFromDefault();
  } catch (err) {
    throw new KubernetesUnavailable(`cannot read ${inCluster ? 'the in-cluster credentials' : `the kubeconfig ${kubeconfig}`}: ${(err as Error).message}`);
  }
  if (!kc.getCurrentCluster()) throw new KubernetesUnavailable(`the kubeconfig ${kubeconfig} names no current cluster`);
  const ns = namespace || (inCluster ? (await readFile(IN_CLUSTER_NAMESPACE_FILE, 'utf8')).trim() : '') || kc.getContextObject(kc.getCurrentContext())?.namespace || 'default';
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const watch = new k8s.Watch(kc);
  const notFound = (err: unknown) => (err as { code?: number }).code === 404;
  return {
    namespace: ns,
    async listWorkloads(selector) {
      return (await core.listNamespacedReplicationController({ namespace: ns, labelSelector: selector })).items;
    },
    async createWorkload(rc) {
      await core.createNamespacedReplicationController({ namespace: ns, body: rc });
    },
    async scaleWorkload(name, replicas) {
      await core.patchNamespacedReplicationController({ namespace: ns, name, body: [{ op: 'replace', path: '/spec/replicas', value: replicas }] });
    },
    async deleteWorkload(name) {
      try {
        await core.deleteNamespacedReplicationController({ namespace: ns, name, propagationPolicy: 'Background' });
      } catch (err) {
        if (!notFound(err)) throw err;
      }
    },
    async listPods(selector) {
      const list = await core.listNamespacedPod({ namespace: ns, labelSelector: selector });
      return { pods: list.items, resourceVersion: list.metadata?.resourceVersion ?? '' };
    },
    async watchPods(selector, resourceVersion, onEvent, done) {
      let finished = false;
      const end = (err?: Error) => {
        if (finished) return;
        finished = true;
        done(err ?? undefined);
      };
      const controller = await watch.watch(
        `/api/v1/namespaces/${ns}/pods`,
        { labelSelector: selector, resourceVersion, allowWatchBookmarks: false },
        (type, obj) => {
          if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') onEvent(type, obj as V1Pod);
          else if (type === 'ERROR') end(new Error(`watch error: ${(obj as { message?: string }).message ?? 'unknown'}`));
        },
        (err) => end(err ? (err as Error) : undefined),
      );
      return () => {
        finished = true;
        controller.abort();
      };
    },
    async applySecret(secret) {
      try {
        await core.createNamespacedSecret({ namespace: ns, body: secret });
      } catch (err) {
        if ((err as { code?: number }).code !== 409) throw err;
        await core.replaceNamespacedSecret({ namespace: ns, name: secret.metadata!.name!, body: secret });
      }
    },
    async deleteSecret(name) {
      try {
        await core.deleteNamespacedSecret({ namespace: ns, name });
      } catch (err) {
        if (!notFound(err)) throw err;
      }
    },
    async getPod(name) {
      try {
        return await core.readNamespacedPod({ namespace: ns, name });
      } catch (err) {
        if (notFound(err)) return undefined;
        throw err;
      }
    },
  };
}
