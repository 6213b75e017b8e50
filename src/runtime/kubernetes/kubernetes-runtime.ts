// The kubernetes runtime (TUSK_RUNTIME=kubernetes): each pipeline's workers
// are the pods of one ReplicationController per pipeline version
// (workload.ts). ensure() creates the current version's workload and deletes
// older ones (a pipeline update rolls its pods) or scales it; with
// `autoscaling: true` it is scaled to zero while the pipeline has no work and
// back up when a job has datums. A watch on the pods reports a pod that is
// gone or restarted as lost (its datums go back to the queue) and a pod that
// cannot run (bad image, crash loop, no node fits) as the pipeline's trouble.
// On start it adopts the workloads labelled with its instance and deletes
// those of pipelines that no longer exist; it never touches other objects.
// While access control is on, each pipeline's token is in a Secret of its own
// that its pods mount (workload.ts), written before the workload is created
// and deleted with the pipeline's last workload.
import type { V1Pod } from '@kubernetes/client-node';
import { InvalidSpec } from '../../errors/index.js';
import type { PipelineSpec, WorkerRuntime } from '../../pps/index.js';
import type { Cluster, PodEvent } from './cluster.js';
import { podVerdict, type PodVerdict } from './pod-status.js';
import type { KubernetesSettings } from './settings.js';
import { authSecretName, instanceLabels, LABELS, PIPELINE_ANNOTATION, pipelineKey, renderAuthSecret, renderWorkload } from './workload.js';

export interface PipelineVersion {
  spec: PipelineSpec;
  version: number;
}

export interface KubernetesRuntimeOptions {
  cluster: Cluster;
  settings: KubernetesSettings;
  /** The pipeline's current (main line) spec and version; undefined once it is deleted. */
  lookup(pipeline: string): Promise<PipelineVersion | undefined>;
  /** True while the pipeline has datums to run. */
  hasWork(pipeline: string): boolean;
  /** The pipeline's token while access control is on (kept in a Secret its pods mount), else undefined. */
  token?(pipeline: string): string | undefined;
  /**
   * A worker pod is gone (`gone`: deleted, evicted or ended, for good) or restarted a container:
   * the workers that ran in it are lost; a gone pod's workers get no more work.
   */
  onLost(pipeline: string, pod: string, reason: string, gone: boolean): void;
  /** The pipeline's pods cannot run (Kubernetes' reason); '' once they do. */
  onTrouble(pipeline: string, reason: string): void;
  log: (level: 'info' | 'warn' | 'error', event: string, fields: Record<string, unknown>) => void;
  /** How often autoscaling pipelines are checked for work (ms); default 1000. */
  idleCheckMs?: number;
  /** How long to wait before watching pods again after a watch ended (ms); default 1000. */
  rewatchMs?: number;
}

interface Workload {
  name: string;
  version: number;
  replicas: number;
  autoscaling: boolean;
}

interface PodState {
  pipeline: string;
  version: number;
  verdict: PodVerdict;
}

export class KubernetesRuntime implements WorkerRuntime {
  private readonly workloads = new Map<string, Workload>();
  private readonly wanted = new Map<string, number>();
  private readonly pods = new Map<string, PodState>();
  private readonly troubled = new Map<string, string>();
  /** One reconcile at a time per pipeline. */
  private readonly turns = new Map<string, Promise<void>>();
  private stopWatch?: () => void;
  private idleTimer?: NodeJS.Timeout;
  private rewatchTimer?: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly o: KubernetesRuntimeOptions) {}

  private get selector(): string {
    return Object.entries(instanceLabels(this.o.settings.instance)).map(([k, v]) => `${k}=${v}`).join(',');
  }

  /** Adopts this instance's workloads (deleting those of pipelines that are gone or of older versions) and starts watching pods. */
  async start(): Promise<void> {
    for (const rc of await this.o.cluster.listWorkloads(this.selector)) {
      const name = rc.metadata!.name!;
      const pipeline = rc.metadata?.annotations?.[PIPELINE_ANNOTATION];
      const version = Number(rc.metadata?.labels?.[LABELS.version]);
      const current = pipeline === undefined ? undefined : await this.o.lookup(pipeline);
      if (!pipeline || !current || current.version !== version || this.workloads.has(pipeline)) {
        this.o.log('info', 'workload_deleted', { workload: name, pipeline, reason: current ? 'an older version' : 'the pipeline no longer exists' });
        await this.o.cluster.deleteWorkload(name);
        if (pipeline && !current) await this.o.cluster.deleteSecret(authSecretName(pipeline));
        continue;
      }
      this.workloads.set(pipeline, { name, version, replicas: rc.spec?.replicas ?? 0, autoscaling: current.spec.autoscaling });
      this.o.log('info', 'workload_adopted', { workload: name, pipeline, version });
    }
    await this.watch();
    this.idleTimer = setInterval(() => this.checkIdle(), this.o.idleCheckMs ?? 1000);
    this.idleTimer.unref();
  }

  async ensure(pipeline: string, count: number): Promise<void> {
    this.wanted.set(pipeline, count);
    await this.reconcile(pipeline);
  }

  async stop(pipeline: string): Promise<void> {
    this.wanted.delete(pipeline);
    await this.reconcile(pipeline);
  }

  /** tuskd is stopping: its workloads stay, to be adopted by the next start. */
  async stopAll(): Promise<void> {
    this.closed = true;
    clearInterval(this.idleTimer);
    clearTimeout(this.rewatchTimer);
    this.stopWatch?.();
    await Promise.all([...this.turns.values()]);
  }

  running(pipeline: string): number {
    const w = this.workloads.get(pipeline);
    if (!w) return 0;
    return [...this.pods.values()].filter((p) => p.pipeline === pipeline && p.version === w.version && p.verdict.running).length;
  }

  /** Brings the pipeline's workloads to what `wanted` and its spec say; serialized per pipeline. */
  private reconcile(pipeline: string): Promise<void> {
    const turn = (this.turns.get(pipeline) ?? Promise.resolve()).then(() => this.reconcileNow(pipeline));
    const settled = turn.catch(() => {});
    this.turns.set(pipeline, settled);
    void settled.then(() => {
      if (this.turns.get(pipeline) === settled) this.turns.delete(pipeline);
    });
    return turn;
  }

  private async reconcileNow(pipeline: string): Promise<void> {
    const count = this.wanted.get(pipeline);
    const current = count === undefined ? undefined : await this.o.lookup(pipeline);
    const existing = this.workloads.get(pipeline);
    if (count === undefined || !current) {
      // Stopped or deleted: every workload of the pipeline goes, whatever its version.
      const key = pipelineKey(pipeline);
      for (const rc of await this.o.cluster.listWorkloads(`${this.selector},${LABELS.pipeline}=${key}`)) {
        if (rc.metadata?.annotations?.[PIPELINE_ANNOTATION] === pipeline) await this.o.cluster.deleteWorkload(rc.metadata.name!);
      }
      await this.o.cluster.deleteSecret(authSecretName(pipeline));
      this.workloads.delete(pipeline);
      this.setTrouble(pipeline, '');
      return;
    }
    const replicas = current.spec.autoscaling && !this.o.hasWork(pipeline) ? 0 : count;
    if (existing && existing.version === current.version) {
      existing.autoscaling = current.spec.autoscaling;
      if (existing.replicas === replicas) return;
      await this.o.cluster.scaleWorkload(existing.name, replicas);
      this.o.log('info', 'workload_scaled', { workload: existing.name, pipeline, replicas });
      existing.replicas = replicas;
      return;
    }
    let rc;
    try {
      rc = renderWorkload(current.spec, current.version, { ...this.o.settings, replicas });
    } catch (err) {
      // A pod_patch that does not apply to the generated pod: shown in inspect pipeline, naming the field.
      if (!(err instanceof InvalidSpec)) throw err;
      this.setTrouble(pipeline, err.message);
      return;
    }
    const name = rc.metadata!.name!;
    await this.applyToken(pipeline);
    await this.o.cluster.createWorkload(rc);
    this.workloads.set(pipeline, { name, version: current.version, replicas, autoscaling: current.spec.autoscaling });
    this.o.log('info', 'workload_created', { workload: name, pipeline, version: current.version, replicas });
    this.setTrouble(pipeline, '');
    if (existing) {
      await this.o.cluster.deleteWorkload(existing.name);
      this.o.log('info', 'workload_deleted', { workload: existing.name, pipeline, reason: `version ${current.version} replaces it` });
    }
  }

  /**
   * The pipeline's token Secret, before its pods start (they mount it as an optional volume): written
   * while access control is on, deleted while it is off. The token never appears in the workload.
   */
  private async applyToken(pipeline: string): Promise<void> {
    const token = this.o.token?.(pipeline);
    if (token) await this.o.cluster.applySecret(renderAuthSecret(pipeline, token, this.o.settings));
    else await this.o.cluster.deleteSecret(authSecretName(pipeline));
  }

  /**
   * Autoscaling pipelines: to zero when idle, back to their parallelism when a job has datums.
   * Trouble is reported again, so a job created after its pods got stuck fails too.
   */
  private checkIdle(): void {
    for (const [pipeline, reason] of this.troubled) this.o.onTrouble(pipeline, reason);
    for (const [pipeline, w] of this.workloads) {
      if (!w.autoscaling || !this.wanted.has(pipeline)) continue;
      const replicas = this.o.hasWork(pipeline) ? this.wanted.get(pipeline)! : 0;
      if (replicas !== w.replicas) this.reconcile(pipeline).catch((err) => this.o.log('error', 'workload_scale_failed', { pipeline, message: (err as Error).message }));
    }
  }

  private async watch(): Promise<void> {
    const { pods, resourceVersion } = await this.o.cluster.listPods(this.selector);
    const seen = new Set<string>();
    for (const pod of pods) {
      seen.add(pod.metadata!.name!);
      this.onPod('MODIFIED', pod);
    }
    // Pods that went away while nobody watched.
    for (const [name, state] of this.pods) if (!seen.has(name)) this.podGone(name, state, 'was deleted');
    this.stopWatch = await this.o.cluster.watchPods(this.selector, resourceVersion, (type, pod) => this.onPod(type, pod), (err) => {
      if (this.closed) return;
      if (err) this.o.log('warn', 'pod_watch_ended', { message: err.message });
      this.rewatchTimer = setTimeout(() => this.watch().catch((e) => this.o.log('error', 'pod_watch_failed', { message: (e as Error).message })), this.o.rewatchMs ?? 1000);
      this.rewatchTimer.unref();
    });
  }

  private onPod(type: PodEvent, pod: V1Pod): void {
    const name = pod.metadata?.name;
    const pipeline = pod.metadata?.annotations?.[PIPELINE_ANNOTATION];
    if (!name || !pipeline) return;
    const prev = this.pods.get(name);
    const verdict = podVerdict(pod);
    const state: PodState = { pipeline, version: Number(pod.metadata?.labels?.[LABELS.version]), verdict };
    if (type === 'DELETED' || verdict.gone) {
      if (prev) this.podGone(name, state, type === 'DELETED' ? 'was deleted' : verdict.terminating ? 'is terminating' : `ended (${pod.status?.phase}${pod.status?.reason ? `: ${pod.status.reason}` : ''})`);
      // Its containers are gone now: anything its worker leased while the pod terminated goes back too.
      else if (type === 'DELETED') this.o.onLost(pipeline, name, `pod ${name} was deleted`, true);
      return;
    }
    this.pods.set(name, state);
    if (prev && verdict.restarts > prev.verdict.restarts) {
      const reason = `pod ${name} restarted a container: ${verdict.lastEnd ?? 'unknown reason'}`;
      this.o.log('warn', 'worker_pod_restarted', { pipeline, pod: name, reason });
      this.o.onLost(pipeline, name, reason, false);
    }
    if (verdict.problem) this.setTrouble(pipeline, verdict.problem);
    else if (verdict.running && state.version === this.workloads.get(pipeline)?.version) this.setTrouble(pipeline, '');
  }

  private podGone(name: string, state: PodState, what: string): void {
    this.pods.delete(name);
    const reason = `pod ${name} ${what}${state.verdict.lastEnd ? `; ${state.verdict.lastEnd}` : ''}`;
    this.o.log('warn', 'worker_pod_gone', { pipeline: state.pipeline, pod: name, reason });
    this.o.onLost(state.pipeline, name, reason, true);
  }

  private setTrouble(pipeline: string, reason: string): void {
    const before = this.troubled.get(pipeline) ?? '';
    if (reason) this.troubled.set(pipeline, reason);
    else this.troubled.delete(pipeline);
    // Reported again while it lasts, so jobs created since fail too; cleared once.
    if (reason || before) this.o.onTrouble(pipeline, reason);
  }
}
