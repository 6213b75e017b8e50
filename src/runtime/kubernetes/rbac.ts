// The Kubernetes API calls the kubernetes runtime makes, as RBAC rules: the
// Role in deploy/base grants exactly these (a test compares them), and the
// end-to-end tests check every call tuskd makes to the stand-in API server
// against them (StandInCluster.rbacRefusals), so a new call without a new rule
// fails in CI rather than in a cluster. ReplicationControllers are listed
// (adoption), never read one by one nor watched: the pods are watched.
export const RBAC_RULES = [
  { apiGroups: [''], resources: ['replicationcontrollers'], verbs: ['list', 'create', 'patch', 'delete'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
  // Each pipeline's token while access control is on (workload.ts: authSecretName). No get or list:
  // tuskd never reads a Secret back (list would show it every Secret of the namespace).
  { apiGroups: [''], resources: ['secrets'], verbs: ['create', 'update', 'delete'] },
];
