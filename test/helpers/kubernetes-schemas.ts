// Validates Kubernetes objects against the Kubernetes schemas with
// kubernetes-models (types, required fields, quantities, formats), by kind.
// Unknown kinds are an error, so a test cannot pass by validating nothing.
import { ConfigMap, Namespace, PersistentVolumeClaim, Pod, ReplicationController, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';

const KINDS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Namespace': Namespace,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'v1/Pod': Pod,
  'v1/ReplicationController': ReplicationController,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'batch/v1/Job': Job,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
};

/** Throws naming the object and the schema problems when `obj` is not a valid object of its kind. */
export function validateObject(obj: unknown): void {
  const o = obj as { apiVersion?: string; kind?: string; metadata?: { name?: string } };
  const key = `${o.apiVersion}/${o.kind}`;
  const Model = KINDS[key];
  if (!Model) throw new Error(`no schema for ${key} (${o.metadata?.name})`);
  // kustomize folds long base64 Secret values over lines; the API server's decoder skips the newlines.
  if (key === 'v1/Secret' && (obj as { data?: Record<string, string> }).data) {
    const data = Object.fromEntries(Object.entries((obj as { data: Record<string, string> }).data).map(([k, v]) => [k, v.replace(/\s+/g, '')]));
    obj = { ...(obj as object), data };
  }
  try {
    new Model(obj as never).validate();
  } catch (err) {
    throw new Error(`${o.kind} ${o.metadata?.name}: ${(err as Error).message}`);
  }
}
