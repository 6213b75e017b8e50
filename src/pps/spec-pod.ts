// Reading the spec fields that only place a pipeline's worker pods on
// Kubernetes: sidecar_resource_requests/limits, scheduling_spec, tolerations,
// service_account, pod_patch (RFC 6902 JSON patch) and pod_spec (RFC 7386
// merge patch). Pachyderm writes pod_patch and pod_spec as JSON text; objects
// and lists are accepted too. Each problem names the field as written.
import type { JsonPatchOp, PodOptions, Resources, Toleration } from './spec.js';
import { type Field, type Fields, SpecReader, childPath, describe } from './spec-fields.js';

export const POD_FIELDS = ['sidecar_resource_requests', 'sidecar_resource_limits', 'scheduling_spec', 'tolerations', 'service_account', 'pod_patch', 'pod_spec'];

/** Pachyderm's enum names and Kubernetes' own, to Kubernetes'. */
const OPERATORS: Record<string, Toleration['operator']> = { EXISTS: 'Exists', Exists: 'Exists', EQUAL: 'Equal', Equal: 'Equal', EMPTY: 'Equal', '': 'Equal' };
const EFFECTS: Record<string, Toleration['effect']> = {
  ALL_EFFECTS: '', '': '', NO_SCHEDULE: 'NoSchedule', NoSchedule: 'NoSchedule',
  PREFER_NO_SCHEDULE: 'PreferNoSchedule', PreferNoSchedule: 'PreferNoSchedule', NO_EXECUTE: 'NoExecute', NoExecute: 'NoExecute',
};
const PATCH_OPS = ['add', 'remove', 'replace', 'move', 'copy', 'test'] as const;

/** The pod options of a spec, or undefined when it sets none. */
export function readPodOptions(r: SpecReader, top: Fields, readResources: (f: Field | undefined) => Resources | undefined): PodOptions | undefined {
  const sidecarResourceRequests = readResources(top.get('sidecar_resource_requests'));
  const sidecarResourceLimits = readResources(top.get('sidecar_resource_limits'));
  let nodeSelector: Record<string, string> | undefined;
  let priorityClassName: string | undefined;
  const sched = top.get('scheduling_spec');
  if (sched) {
    const s = r.object(sched.value, sched.path, ['node_selector', 'priority_class_name']);
    if (s) {
      nodeSelector = r.stringMap(s.get('node_selector'));
      priorityClassName = r.string(s.get('priority_class_name'));
    }
  }
  const tolerations = top.has('tolerations') ? readTolerations(r, top.get('tolerations')) : undefined;
  const serviceAccount = r.string(top.get('service_account'));
  const podPatch = readPodPatch(r, top.get('pod_patch'));
  const podSpec = readPodSpec(r, top.get('pod_spec'));
  const pod: PodOptions = {
    ...(sidecarResourceRequests && { sidecarResourceRequests }),
    ...(sidecarResourceLimits && { sidecarResourceLimits }),
    ...(nodeSelector && Object.keys(nodeSelector).length > 0 && { nodeSelector }),
    ...(priorityClassName && { priorityClassName }),
    ...(tolerations && tolerations.length > 0 && { tolerations }),
    ...(serviceAccount && { serviceAccount }),
    ...(podPatch && podPatch.length > 0 && { podPatch }),
    ...(podSpec && { podSpec }),
  };
  return Object.keys(pod).length > 0 ? pod : undefined;
}

function readTolerations(r: SpecReader, f: Field | undefined): Toleration[] {
  const out: Toleration[] = [];
  for (const item of r.list(f) ?? []) {
    const t = r.object(item.value, item.path, ['key', 'operator', 'value', 'effect', 'toleration_seconds']);
    if (!t) continue;
    const operator = enumValue(r, t.get('operator'), OPERATORS) ?? 'Equal';
    const effect = enumValue(r, t.get('effect'), EFFECTS) ?? '';
    const key = r.string(t.get('key')) ?? '';
    const value = r.string(t.get('value')) ?? '';
    if (operator === 'Exists' && value !== '') r.add(childPath(item.path, 'value'), 'must be empty when operator is Exists');
    if (operator === 'Equal' && key === '') r.add(childPath(item.path, 'key'), 'required unless operator is Exists');
    const seconds = r.integer(t.get('toleration_seconds'), 0);
    out.push({ key, operator, value, effect, ...(seconds !== undefined && { tolerationSeconds: seconds }) });
  }
  return out;
}

function enumValue<T>(r: SpecReader, f: Field | undefined, names: Record<string, T>): T | undefined {
  const s = r.string(f);
  if (s === undefined) return undefined;
  if (Object.hasOwn(names, s)) return names[s];
  r.add(f!.path, `must be one of ${Object.keys(names).filter((k) => k).join(', ')}, not ${JSON.stringify(s)}`);
  return undefined;
}

/** JSON text or the value itself. */
function jsonValue(r: SpecReader, f: Field): unknown {
  if (typeof f.value !== 'string') return f.value;
  if (f.value.trim() === '') return undefined;
  try {
    return JSON.parse(f.value);
  } catch (err) {
    r.add(f.path, `is not JSON: ${(err as Error).message}`);
    return undefined;
  }
}

function readPodPatch(r: SpecReader, f: Field | undefined): JsonPatchOp[] | undefined {
  if (!f) return undefined;
  const value = jsonValue(r, f);
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) {
    r.add(f.path, `must be a JSON patch (a list of operations), not ${describe(value)}`);
    return undefined;
  }
  const ops: JsonPatchOp[] = [];
  value.forEach((raw, i) => {
    const path = childPath(f.path, i);
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return r.add(path, `must be an operation object, not ${describe(raw)}`);
    const o = raw as Record<string, unknown>;
    const op = o.op;
    if (typeof op !== 'string' || !(PATCH_OPS as readonly string[]).includes(op)) return r.add(childPath(path, 'op'), `must be one of ${PATCH_OPS.join(', ')}, not ${describe(op)}`);
    if (typeof o.path !== 'string' || (o.path !== '' && !o.path.startsWith('/'))) return r.add(childPath(path, 'path'), `must be a JSON pointer such as /containers/0/env, not ${describe(o.path)}`);
    if ((op === 'move' || op === 'copy') && typeof o.from !== 'string') return r.add(childPath(path, 'from'), 'required for move and copy');
    if ((op === 'add' || op === 'replace' || op === 'test') && !('value' in o)) return r.add(childPath(path, 'value'), `required for ${op}`);
    ops.push({ op: op as JsonPatchOp['op'], path: o.path, ...(typeof o.from === 'string' && { from: o.from }), ...('value' in o && { value: o.value }) });
  });
  return ops;
}

function readPodSpec(r: SpecReader, f: Field | undefined): Record<string, unknown> | undefined {
  if (!f) return undefined;
  const value = jsonValue(r, f);
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    r.add(f.path, `must be a JSON object merged into the pod spec, not ${describe(value)}`);
    return undefined;
  }
  return value as Record<string, unknown>;
}
