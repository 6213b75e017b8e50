import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { podVerdict } from './pod-status.js';

function pod(status: V1Pod['status'], images: Record<string, string> = { user: 'python:3.12', 'tusk-sidecar': 'tusk:1' }): V1Pod {
  return { metadata: { name: 'tusk-edges-v1-abcde' }, spec: { containers: Object.entries(images).map(([name, image]) => ({ name, image })) }, status };
}
const running = (name: string, restartCount = 0, lastState: V1ContainerStatus['lastState'] = {}): V1ContainerStatus => ({ name, image: '', imageID: '', ready: true, restartCount, state: { running: {} }, lastState });
const waiting = (name: string, reason: string, message = '', lastState: V1ContainerStatus['lastState'] = {}, restartCount = 3): V1ContainerStatus => ({ name, image: '', imageID: '', ready: false, restartCount, state: { waiting: { reason, message } }, lastState });

describe('podVerdict', () => {
  it('a pod whose worker and sidecar run is running, without a problem', () => {
    expect(podVerdict(pod({ phase: 'Running', containerStatuses: [running('user'), running('tusk-sidecar')] }))).toEqual({ running: true, restarts: 0, gone: false, terminating: false });
  });

  it('counts restarts and says how the container last ended (OOMKilled)', () => {
    const v = podVerdict(pod({ phase: 'Running', containerStatuses: [running('user', 2, { terminated: { exitCode: 137, reason: 'OOMKilled' } }), running('tusk-sidecar')] }));
    expect(v).toMatchObject({ running: true, restarts: 2, lastEnd: 'container user: OOMKilled (exit code 137)' });
    expect(v.problem).toBeUndefined();
  });

  it('an image that cannot be pulled is a problem naming the image and Kubernetes\' reason', () => {
    const v = podVerdict(pod({ phase: 'Pending', containerStatuses: [waiting('user', 'ImagePullBackOff', 'Back-off pulling image "python:3.12"'), waiting('tusk-sidecar', 'PodInitializing')] }));
    expect(v.running).toBe(false);
    expect(v.problem).toBe('pod tusk-edges-v1-abcde: container user (image python:3.12): ImagePullBackOff: Back-off pulling image "python:3.12"');
  });

  it('a crash loop says how the container ended, and when the injected Node could not start, that the image needs glibc', () => {
    const oom = podVerdict(pod({ phase: 'Running', containerStatuses: [waiting('user', 'CrashLoopBackOff', '', { terminated: { exitCode: 1, reason: 'Error' } }), running('tusk-sidecar')] }));
    expect(oom.problem).toMatch(/CrashLoopBackOff; last end: container user: Error \(exit code 1\)$/);
    const musl = podVerdict(pod({ phase: 'Running', containerStatuses: [waiting('user', 'CrashLoopBackOff', '', { terminated: { exitCode: 128, reason: 'StartError', message: 'exec: "/tusk/runtime/node": no such file or directory' } }), running('tusk-sidecar')] }, { user: 'alpine:3.20', 'tusk-sidecar': 'tusk:1' }));
    expect(musl.problem).toMatch(/image alpine:3.20 cannot run the Node runtime Tusk injects .* needs glibc/);
  });

  it('an unschedulable pod is a problem pointing at the spec fields that place pods', () => {
    const v = podVerdict(pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available: 3 Insufficient nvidia.com/gpu.' }] }));
    expect(v.problem).toBe('pod tusk-edges-v1-abcde: Unschedulable: 0/3 nodes are available: 3 Insufficient nvidia.com/gpu. (check resource_requests, scheduling_spec and tolerations)');
  });

  it('a failed, succeeded or terminating pod is gone', () => {
    expect(podVerdict(pod({ phase: 'Failed', reason: 'Evicted' })).gone).toBe(true);
    expect(podVerdict({ ...pod({ phase: 'Running' }), metadata: { name: 'x', deletionTimestamp: new Date() } }).gone).toBe(true);
  });
});
