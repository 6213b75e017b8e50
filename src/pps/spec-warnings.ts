// What `create pipeline` tells a Pachyderm user about fields this runtime
// accepts but does not honour (or honours differently): one line per field,
// naming the field and what happens to it, so nothing is silently ignored.
// Pure: the normalized spec in, lines out.
import type { Input, LeafInput, PipelineSpec } from './spec.js';

const IGNORED_WHY: Record<string, string> = {
  tolerations: 'Kubernetes scheduling: ignored by the local runtime',
  pod_spec: 'Kubernetes pod fields: ignored by the local runtime',
  pod_patch: 'Kubernetes pod fields: ignored by the local runtime',
  scheduling_spec: 'Kubernetes scheduling: ignored by the local runtime',
  sidecar_resource_requests: 'the sidecar runs unconstrained on the local runtime',
  sidecar_resource_limits: 'the sidecar runs unconstrained on the local runtime',
  spec_commit: 'Tusk keeps its own pipeline versions: ignored',
  maximum_expected_uptime: 'ignored (no spouts or services)',
  'transform.image_pull_secrets': 'no images are pulled by the local runtime: ignored',
  'transform.dockerfile': 'no images are built: ignored',
  'transform.memory_volume': '/pfs is a folder on local disk: ignored',
};

export function specWarnings(spec: PipelineSpec): string[] {
  const out: string[] = [];
  const t = spec.transform;
  // transform.secrets takes effect (the local secret store, `tusk create secret`): no warning.
  if (t.user) out.push(`transform.user: the local runtime runs the code as "${t.user}" only when tuskd runs as root; otherwise as tuskd's own user (each job's log then says why)`);
  if (spec.resourceRequests) out.push('resource_requests: recorded; the local runtime does not reserve resources (the kubernetes runtime sets them on the pod)');
  const limits = spec.resourceLimits;
  if (limits) {
    const others = [limits.cpu !== undefined && 'cpu', limits.gpu && 'gpu', limits.disk && 'disk'].filter(Boolean).join(', ');
    const memory = limits.memory ? `memory caps the code's address space at ${limits.memory} (RLIMIT_AS); ` : '';
    if (others || !memory) out.push(`resource_limits: ${memory}${others || 'nothing else'} is not capped by the local runtime (the kubernetes runtime sets it on the pod)`);
    else out.push(`resource_limits: ${memory.replace(/; $/, '')} (the kubernetes runtime sets it on the pod)`);
  }
  if (spec.autoscaling) out.push('autoscaling: the local runtime keeps parallelism_spec workers running');
  if (spec.standby) out.push('standby: the local runtime keeps its workers running between jobs');
  if (spec.datumSetSpec) out.push('datum_set_spec: workers take datums in batches of their own choosing; the sizes are ignored');
  // Kubernetes fields the spec reader now keeps for the kubernetes runtime (tusk render pipeline shows them on the pod).
  const pod = spec.pod ?? {};
  const kube: [string, unknown][] = [
    ['scheduling_spec', pod.nodeSelector ?? pod.priorityClassName],
    ['tolerations', pod.tolerations],
    ['sidecar_resource_requests', pod.sidecarResourceRequests],
    ['sidecar_resource_limits', pod.sidecarResourceLimits],
    ['service_account', pod.serviceAccount],
    ['pod_spec', pod.podSpec],
    ['pod_patch', pod.podPatch],
    ['transform.image_pull_secrets', t.imagePullSecrets?.length ? t.imagePullSecrets : undefined],
    ['transform.memory_volume', t.memoryVolume || undefined],
  ];
  for (const [field, value] of kube) if (value !== undefined) out.push(`${field}: ${IGNORED_WHY[field] ?? 'applied by the kubernetes runtime only: ignored by the local runtime'}`);
  for (const lazy of leaves(spec.input).filter((i) => i.type === 'pfs' && i.lazy)) out.push(`input.pfs.lazy (${lazy.name}): inputs are always copied into /pfs before the code runs`);
  for (const path of spec.ignoredFields) {
    const key = path.replace(/^\./, '');
    out.push(`${key}: ${IGNORED_WHY[key] ?? 'accepted and ignored by Tusk'}`);
  }
  return out;
}

function leaves(input: Input): LeafInput[] {
  if (input.type === 'pfs' || input.type === 'cron') return [input];
  return (input.inputs as Input[]).flatMap(leaves);
}
