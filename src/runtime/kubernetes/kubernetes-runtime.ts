// The kubernetes runtime (TUSK_RUNTIME=kubernetes): each pipeline's workers
// are the pods of one ReplicationController per pipeline version
// (workload.ts). ensure() creates the current version's workload and deletes
// older ones (a pipeline update rolls its pods) or scales it; with
// `autoscaling: true` it is scaled to zero while the pipeline has no work and
// back up when a job has datums. A watch on the pods reports a pod that is
// gone or restarted as lost (its datums go back to the queue) and a pod that
// cannot run (bad image, crash loop, no node fits) as the pipeline's trouble.
// A version that runs beside the main line's (a branch's version, or an
// earlier one whose job is still running) runs in the main line's pods when
// its pod would be the same (it changes only what the worker gets from the
// coordinator: cmd, stdin, env, ...); when its pod differs (transform.image,
// resources, pod_patch, ...) it gets a workload of its own while it has
// datums to run, and accepts() keeps each pod to the versions it serves.
// On start it adopts the workloads labelled with its instance and deletes
// those of pipelines that no longer exist; it never touches other objects.
// While access control is on, each pipeline's token is in a Secret of its own
// that its pods mount (workload.ts), written before the workload is created
// and deleted with the pipeline's last workload. The secrets its transform.secrets
// name (tuskd's secret store, `tusk create secret`) are copied into Secrets of
// the pipeline the same way (workload.ts: secretCopyName), and deleted once no
// workload of the pipeline reads them.
import type { V1Pod } from '@kubernetes/client-node';
import { InvalidSpec, TuskError } from '../../errors/index.js';
import type { PipelineSpec, WorkerRuntime, WorkerState } from '../../pps/index.js';
import type { Cluster, PodEvent } from './cluster.js';
import { podVerdict, type PodVerdict } from './pod-status.js';
import type { KubernetesSettings } from './settings.js';
import { authSecretName, instanceLabels, LABELS, PIPELINE_ANNOTATION, pipelineKey, renderAuthSecret, renderSecretCopy, renderWorkload, secretCopiesOf } from './workload.js';

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
  /** The versions of the pipeline whose jobs have datums left (default: none beside the main line's). */
  activeVersions?(pipeline: string): number[];
  /** The spec of a version of the pipeline, or undefined. */
  lookupVersion?(pipeline: string, version: number): Promise<PipelineSpec | undefined>;
  /** Which versions some workers accept changed: waiting workers should look at the queue again. */
  workersChanged?(pipeline: string): void;
  /** The pipeline's token while access control is on (kept in a Secret its pods mount), else undefined. */
  token?(pipeline: string): string | undefined;
  /** The values of a secret of the secret store (transform.secrets); throws when there is none of that name. */
  secretValues?(secret: string): Promise<Readonly<Record<string, Uint8Array>>>;
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
  /** The secret copies its pods read. */
  secrets: string[];
}

/** A workload beside the main line's, for a version whose pod differs. */
interface ExtraWorkload {
  name: string;
  version: number;
  podKey: string;
  secrets: string[];
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
  /** `pipeline/version` → what its pod is (podKey()): versions with equal keys run in the same pods. */
  private readonly podKeys = new Map<string, string>();
  private readonly extra = new Map<string, ExtraWorkload[]>();
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
        if (pipeline && !current) {
          await this.o.cluster.deleteSecret(authSecretName(pipeline));
          for (const copy of secretCopiesOf(rc)) await this.o.cluster.deleteSecret(copy);
        }
        continue;
      }
      this.workloads.set(pipeline, { name, version, replicas: rc.spec?.replicas ?? 0, autoscaling: current.spec.autoscaling, secrets: secretCopiesOf(rc) });
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

  /** A pod's worker runs a task when the task's version has the pod of the pod's own version. */
  accepts(pipeline: string, worker: string, version: number): boolean {
    const pod = this.pods.get(worker.split('/')[0]!);
    if (!pod || pod.pipeline !== pipeline) return false;
    const mine = this.podKeys.get(`${pipeline}/${pod.version}`);
    const theirs = this.podKeys.get(`${pipeline}/${version}`);
    if (theirs === undefined) {
      // Not known yet: worked out now, then the waiting workers look again.
      void this.learnPodKey(pipeline, version).then(() => this.o.workersChanged?.(pipeline), (err) => this.o.log('error', 'pod_key_failed', { pipeline, version, message: (err as Error).message }));
      return false;
    }
    return mine === theirs;
  }

  /** The pipeline's pods, by name. */
  workers(pipeline: string): WorkerState[] {
    const out: WorkerState[] = [];
    for (const [name, p] of this.pods) {
      if (p.pipeline !== pipeline) continue;
      const state = p.verdict.running ? 'running' : p.verdict.problem ? 'failing' : 'pending';
      out.push({ id: name, state, pod: name, restarts: p.verdict.restarts, version: p.version });
    }
    return out.sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  running(pipeline: string): number {
    const w = this.workloads.get(pipeline);
    if (!w) return 0;
    return [...this.pods.values()].filter((p) => p.pipeline === pipeline && p.version === w.version && p.verdict.running).length;
  }

  /** Brings the pipeline's workloads to what `wanted` and its spec say; serialized per pipeline. */
  private reconcile(pipeline: string, step: () => Promise<void> = () => this.reconcileNow(pipeline)): Promise<void> {
    const turn = (this.turns.get(pipeline) ?? Promise.resolve()).then(step);
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
      const copies = new Set<string>();
      for (const rc of await this.o.cluster.listWorkloads(`${this.selector},${LABELS.pipeline}=${key}`)) {
        if (rc.metadata?.annotations?.[PIPELINE_ANNOTATION] !== pipeline) continue;
        await this.o.cluster.deleteWorkload(rc.metadata.name!);
        for (const copy of secretCopiesOf(rc)) copies.add(copy);
      }
      await this.o.cluster.deleteSecret(authSecretName(pipeline));
      for (const copy of copies) await this.o.cluster.deleteSecret(copy);
      this.workloads.delete(pipeline);
      this.extra.delete(pipeline);
      this.setTrouble(pipeline, '');
      return;
    }
    this.podKeys.set(`${pipeline}/${current.version}`, podKey(current.spec));
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
    if (!(await this.applySecretCopies(pipeline, current.spec, ''))) return;
    await this.o.cluster.createWorkload(rc);
    this.workloads.set(pipeline, { name, version: current.version, replicas, autoscaling: current.spec.autoscaling, secrets: secretCopiesOf(rc) });
    this.o.log('info', 'workload_created', { workload: name, pipeline, version: current.version, replicas });
    this.setTrouble(pipeline, '');
    if (existing) {
      await this.o.cluster.deleteWorkload(existing.name);
      this.o.log('info', 'workload_deleted', { workload: existing.name, pipeline, reason: `version ${current.version} replaces it` });
      await this.pruneSecretCopies(pipeline, existing.secrets);
    }
  }

  /** Works out what the pod of a version of the pipeline is (podKey), once. */
  private async learnPodKey(pipeline: string, version: number): Promise<string | undefined> {
    const key = `${pipeline}/${version}`;
    if (!this.podKeys.has(key)) {
      const spec = await this.o.lookupVersion?.(pipeline, version);
      if (spec) this.podKeys.set(key, podKey(spec));
    }
    return this.podKeys.get(key);
  }

  /**
   * Workloads beside the main line's: one for each pod key of a version with datums left that the main
   * line's pods do not serve, deleted once no such version has datums left.
   */
  private async reconcileExtra(pipeline: string): Promise<void> {
    const main = this.workloads.get(pipeline);
    if (!main || !this.wanted.has(pipeline)) return;
    const mainKey = this.podKeys.get(`${pipeline}/${main.version}`);
    const wanted = new Map<string, number>();
    for (const version of (this.o.activeVersions?.(pipeline) ?? []).sort((a, b) => a - b)) {
      const key = await this.learnPodKey(pipeline, version);
      if (key !== undefined && key !== mainKey && !wanted.has(key)) wanted.set(key, version);
    }
    const have = this.extra.get(pipeline) ?? [];
    const kept: ExtraWorkload[] = [];
    const dropped: string[] = [];
    for (const w of have) {
      if (wanted.has(w.podKey)) {
        kept.push(w);
        wanted.delete(w.podKey);
        continue;
      }
      await this.o.cluster.deleteWorkload(w.name);
      this.o.log('info', 'workload_deleted', { workload: w.name, pipeline, reason: `version ${w.version} has no datums left` });
      dropped.push(...w.secrets);
    }
    for (const [key, version] of wanted) {
      const spec = await this.o.lookupVersion!(pipeline, version);
      if (!spec) continue;
      let rc;
      try {
        rc = renderWorkload(spec, version, { ...this.o.settings, replicas: spec.parallelismSpec.constant });
      } catch (err) {
        if (!(err instanceof InvalidSpec)) throw err;
        this.setTrouble(pipeline, `version ${version}: ${err.message}`);
        continue;
      }
      if (!(await this.applySecretCopies(pipeline, spec, `version ${version}: `))) continue;
      await this.o.cluster.createWorkload(rc);
      kept.push({ name: rc.metadata!.name!, version, podKey: key, secrets: secretCopiesOf(rc) });
      this.o.log('info', 'workload_created', { workload: rc.metadata!.name, pipeline, version, replicas: spec.parallelismSpec.constant, beside: main.name });
    }
    if (kept.length > 0) this.extra.set(pipeline, kept);
    else this.extra.delete(pipeline);
    await this.pruneSecretCopies(pipeline, dropped);
  }

  /**
   * The copies of the secrets the spec's transform.secrets name, before its pods start (a pod whose Secret is
   * missing does not start). False, with the pipeline's trouble set, when a secret is gone from the store.
   */
  private async applySecretCopies(pipeline: string, spec: PipelineSpec, context: string): Promise<boolean> {
    if (!this.o.secretValues) return true;
    for (const secret of new Set(spec.transform.secrets.map((s) => s.name))) {
      let values;
      try {
        values = await this.o.secretValues(secret);
      } catch (err) {
        if (!(err instanceof TuskError)) throw err;
        this.setTrouble(pipeline, `${context}transform.secrets: ${err.message}`);
        return false;
      }
      await this.o.cluster.applySecret(renderSecretCopy(pipeline, secret, values, this.o.settings));
    }
    return true;
  }

  /** Deletes those of `copies` that no workload of the pipeline reads any more. */
  private async pruneSecretCopies(pipeline: string, copies: string[]): Promise<void> {
    const used = new Set([...(this.workloads.get(pipeline)?.secrets ?? []), ...(this.extra.get(pipeline) ?? []).flatMap((w) => w.secrets)]);
    for (const copy of new Set(copies)) if (!used.has(copy)) await this.o.cluster.deleteSecret(copy);
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
    for (const pipeline of this.workloads.keys()) {
      const active = this.o.activeVersions?.(pipeline) ?? [];
      if (active.length === 0 && !this.extra.has(pipeline)) continue;
      this.reconcile(pipeline, () => this.reconcileExtra(pipeline)).catch((err) => this.o.log('error', 'workload_sync_failed', { pipeline, message: (err as Error).message }));
    }
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

/**
 * What a version's pod is: its rendered pod template with the version itself left out. Versions with
 * the same key run in the same pods (they differ only in what the worker gets from the coordinator).
 */
export function podKey(spec: PipelineSpec): string {
  try {
    return JSON.stringify(renderWorkload(spec, 0, { tuskImage: '', address: '', instance: '', namespace: '', replicas: 1 }).spec?.template);
  } catch (err) {
    if (!(err instanceof InvalidSpec)) throw err;
    return `invalid: ${err.message}`;
  }
}
