// What a worker pod's status means to the coordinator, read the way
// Kubernetes reports it: is the worker running, did a container of it end
// (a lost worker: its datums go back to the queue), and is something keeping
// the pod from running at all (a bad image, a crash loop, no node fits) that
// must be shown in `inspect pipeline` and fail the pipeline's jobs rather than
// leave them waiting. Pure: a pod object in, a verdict out.
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { CONTAINERS } from './workload.js';

export interface PodVerdict {
  /** Both the user container (the worker) and the sidecar are running. */
  running: boolean;
  /** Container restarts so far (user + sidecar): a rise means the worker was lost. */
  restarts: number;
  /** Why the last container end happened ("OOMKilled", "Error (exit code 1)"), for the lost worker. */
  lastEnd?: string;
  /** The pod cannot run: Kubernetes' reason and message, with what to do about it. */
  problem?: string;
  /** The pod is gone for good (Failed, Succeeded, or being deleted). */
  gone: boolean;
  /** It is being deleted (its containers may still run for their grace period). */
  terminating: boolean;
}

/** Waiting reasons that do not go away by waiting. */
const STUCK = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'CrashLoopBackOff', 'CreateContainerConfigError', 'CreateContainerError', 'RunContainerError']);

export function podVerdict(pod: V1Pod): PodVerdict {
  const status = pod.status ?? {};
  const containers = status.containerStatuses ?? [];
  const user = containers.find((c) => c.name === CONTAINERS.user);
  const sidecar = containers.find((c) => c.name === CONTAINERS.sidecar);
  const restarts = (user?.restartCount ?? 0) + (sidecar?.restartCount ?? 0);
  const running = status.phase === 'Running' && Boolean(user?.state?.running) && Boolean(sidecar?.state?.running);
  const terminating = Boolean(pod.metadata?.deletionTimestamp);
  const gone = status.phase === 'Failed' || status.phase === 'Succeeded' || terminating;
  const lastEnd = [user, sidecar].map((c) => c && ended(c)).find(Boolean);
  return { running, restarts, gone, terminating, ...(lastEnd && { lastEnd }), ...withProblem(pod) };
}

/** The last end of a container, as "container user: OOMKilled (exit code 137)". */
function ended(c: V1ContainerStatus): string | undefined {
  const t = c.state?.terminated ?? c.lastState?.terminated;
  if (!t) return undefined;
  const message = t.message ? `: ${oneLine(t.message)}` : '';
  return `container ${c.name}: ${t.reason ?? 'Terminated'} (exit code ${t.exitCode})${message}`;
}

function withProblem(pod: V1Pod): { problem?: string } {
  const name = pod.metadata?.name ?? '';
  const unschedulable = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable');
  if (unschedulable) return { problem: `pod ${name}: Unschedulable: ${oneLine(unschedulable.message ?? 'no node fits the pod')} (check resource_requests, scheduling_spec and tolerations)` };
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  for (const c of statuses) {
    const waiting = c.state?.waiting;
    if (!waiting?.reason || !STUCK.has(waiting.reason)) continue;
    const image = pod.spec?.containers.find((x) => x.name === c.name)?.image ?? pod.spec?.initContainers?.find((x) => x.name === c.name)?.image ?? c.image;
    const detail = waiting.message ? `: ${oneLine(waiting.message)}` : '';
    let problem = `pod ${name}: container ${c.name} (image ${image}): ${waiting.reason}${detail}`;
    if (waiting.reason === 'CrashLoopBackOff') {
      const last = ended(c);
      if (last) problem += `; last end: ${last}`;
      if (c.name === CONTAINERS.user && cannotRunNode(c)) {
        problem += `; image ${image} cannot run the Node runtime Tusk injects as its entry point (it needs glibc, e.g. a Debian or Ubuntu based image, not Alpine or distroless-static)`;
      }
    }
    return { problem };
  }
  return {};
}

/** The injected node binary could not start: exit 127 / "no such file" is what a missing dynamic loader (no glibc) gives. */
function cannotRunNode(c: V1ContainerStatus): boolean {
  const t = c.lastState?.terminated ?? c.state?.terminated;
  if (!t) return false;
  return t.exitCode === 127 || t.reason === 'StartError' || /no such file|not found|exec format/i.test(t.message ?? '');
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}
