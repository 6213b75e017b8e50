// The Kubernetes API calls the kubernetes runtime makes, as RBAC rules: the
// Role in deploy/base grants exactly these (a test compares them), so a new
// call here without a new rule there fails in CI rather than in a cluster.
export const RBAC_RULES = [
  { apiGroups: [''], resources: ['replicationcontrollers'], verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
  // Each pipeline's token while access control is on (workload.ts: authSecretName). No get or list:
  // tuskd never reads a Secret back (list would show it every Secret of the namespace).
  { apiGroups: [''], resources: ['secrets'], verbs: ['create', 'update', 'delete'] },
];
