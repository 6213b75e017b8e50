// A STAND-IN for a kubelet and scheduler on one node (no real one can run on
// these machines). It runs each pod the stand-in API server holds as local
// processes: the init container's command, then the user and sidecar
// containers, with each volume a folder of the pod and every path a container
// would see (mount paths, the tusk image's /app and Node) rewritten to those
// folders. Images are recorded, never pulled: the tusk image is this checkout
// and this Node; a user image is this machine. A process has no mount
// namespace of its own, so TUSK_SANDBOX=off is dropped and the worker gives
// user code a literal /pfs with bubblewrap, as the local runtime does.
// Secret volumes get the files of the Secret the stand-in API server holds, and
// env secretKeyRef its values (a missing one keeps the pod from starting); a
// memory emptyDir (medium: Memory) is a folder on the tmpfs /dev/shm, so, as in
// a cluster, it is a file system apart from the pod's other volumes.
// It reports what a kubelet reports: phases, PodScheduled=False/Unschedulable
// (node selector or GPUs that the node lacks), ErrImagePull/ImagePullBackOff
// for images said to be missing, StartError for images said to lack glibc,
// container restarts with their exit codes, CrashLoopBackOff, deletion, and
// OOMKilled when a container's processes together use more resident memory
// than its memory limit (polled from /proc with the worker's own meter, where a kubelet has cgroups).
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, statfs, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IMAGE_APP, IMAGE_NODE } from '../../src/runtime/kubernetes/workload.js';
import { treeResidentBytes } from '../../worker/usage.js';
import type { KObject, StandInApiServer } from './stand-in-api-server.js';

export interface StandInKubeletOptions {
  api: StandInApiServer;
  /** Folder for pods' volumes and logs. */
  root: string;
  /** The package root: what the tusk image holds at /app. */
  packageRoot: string;
  /** The tusk image's name: its /app and Node are this checkout's. */
  tuskImage: string;
  nodeLabels?: Record<string, string>;
  /** Images that "cannot be pulled". */
  missingImage?: (image: string) => boolean;
  /** Images that "lack glibc": the injected Node cannot start in them. */
  noGlibcImage?: (image: string) => boolean;
  /** Extra environment for every process (e.g. short daemon grace for tests). */
  env?: Record<string, string>;
}

interface Container {
  name: string;
  spec: any;
  proc?: ChildProcess;
  restartCount: number;
  state: Record<string, unknown>;
  lastState: Record<string, unknown>;
  timer?: NodeJS.Timeout;
  failedAt?: number;
  oomKilled?: boolean;
}

interface PodRun {
  name: string;
  dir: string;
  pod: KObject;
  init?: Container;
  initDone: boolean;
  containers: Container[];
  stopping: boolean;
  conditions: Record<string, unknown>[];
  /** Folders on tmpfs holding the pod's memory emptyDirs. */
  memoryDirs: string[];
}

/** Where memory emptyDirs live: a tmpfs, as a kubelet's are. */
const MEMORY_ROOT = '/dev/shm';

async function isTmpfsFolder(path: string): Promise<boolean> {
  try {
    return (await statfs(path)).type === TMPFS_MAGIC;
  } catch {
    return false;
  }
}
const TMPFS_MAGIC = 0x01021994;

const BACKOFF_MS = 200;

export class StandInKubelet {
  private readonly pods = new Map<string, PodRun>();
  /** Every image a pod asked for, in order (recorded instead of pulled). */
  readonly images: string[] = [];
  private rootfs = '';
  private readonly onEvent = (e: { type: string; object: KObject }) => this.handle(e.type, e.object);

  constructor(private readonly o: StandInKubeletOptions) {}

  async start(): Promise<void> {
    // The tusk image's file system, as symlinks: `cp -a` in the init container copies links, not Node's 100 MB.
    this.rootfs = join(this.o.root, 'tusk-image');
    await mkdir(join(this.rootfs, 'usr/local/bin'), { recursive: true });
    await symlink(process.execPath, join(this.rootfs, IMAGE_NODE));
    await symlink(this.o.packageRoot, join(this.rootfs, IMAGE_APP));
    this.o.api.podEvents.on('event', this.onEvent);
    for (const pod of this.o.api.list('pods')) this.handle('ADDED', pod);
  }

  async stop(): Promise<void> {
    this.o.api.podEvents.off('event', this.onEvent);
    await Promise.all([...this.pods.values()].map((run) => this.kill(run, 0)));
  }

  /** Process IDs of a pod's running containers, by container name (tests kill them). */
  pids(pod: string): Record<string, number | undefined> {
    const run = this.pods.get(pod);
    return Object.fromEntries((run?.containers ?? []).map((c) => [c.name, c.proc?.exitCode === null ? c.proc.pid : undefined]));
  }

  private handle(type: string, pod: KObject): void {
    const name = pod.metadata.name as string;
    if (type === 'ADDED' && !this.pods.has(name)) void this.run(pod).catch((err) => console.error(`stand-in kubelet: pod ${name}: ${(err as Error).message}`));
    else if (type === 'MODIFIED' && pod.metadata.deletionTimestamp) {
      const run = this.pods.get(name);
      if (!run) this.o.api.removePod(name);
      else if (!run.stopping) void this.kill(run, 2000).then(() => this.o.api.removePod(name));
    }
  }

  private async run(pod: KObject): Promise<void> {
    const name = pod.metadata.name as string;
    const dir = join(this.o.root, 'pods', name);
    const run: PodRun = {
      name, dir, pod, initDone: false, stopping: false, conditions: [], memoryDirs: [],
      containers: pod.spec.containers.map((spec: any) => ({ name: spec.name, spec, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } }, lastState: {} })),
      ...(pod.spec.initContainers?.[0] && { init: { name: pod.spec.initContainers[0].name, spec: pod.spec.initContainers[0], restartCount: 0, state: { waiting: { reason: 'PodInitializing' } }, lastState: {} } }),
    };
    this.pods.set(name, run);
    const unschedulable = this.unschedulable(pod);
    if (unschedulable) {
      run.conditions = [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: unschedulable }];
      return this.report(run, 'Pending');
    }
    run.conditions = [{ type: 'PodScheduled', status: 'True' }];
    for (const v of pod.spec.volumes ?? []) {
      await mkdir(join(dir, 'volumes'), { recursive: true });
      if (v.emptyDir?.medium === 'Memory' && (await isTmpfsFolder(MEMORY_ROOT))) {
        // A memory emptyDir is a tmpfs of its own, as a kubelet mounts it: renames between it and
        // the pod's other volumes fail with EXDEV, as in a cluster.
        const memory = await mkdtemp(join(MEMORY_ROOT, 'tusk-stand-in-'));
        run.memoryDirs.push(memory);
        await symlink(memory, join(dir, 'volumes', v.name));
        continue;
      }
      await mkdir(join(dir, 'volumes', v.name), { recursive: true });
      const missing = v.secret && (await this.writeSecretVolume(join(dir, 'volumes', v.name), v.secret));
      if (missing) {
        // What a kubelet shows while a required Secret is missing: the pod does not start.
        for (const c of run.containers) c.state = { waiting: { reason: 'CreateContainerConfigError', message: missing } };
        return this.report(run, 'Pending');
      }
    }
    const badRef = run.containers.map((c) => this.missingSecretRef(c.spec)).find(Boolean);
    if (badRef) {
      for (const c of run.containers) c.state = { waiting: { reason: 'CreateContainerConfigError', message: badRef } };
      return this.report(run, 'Pending');
    }
    await mkdir(join(dir, 'logs'), { recursive: true });
    const all = [...(run.init ? [run.init] : []), ...run.containers];
    for (const c of all) this.images.push(c.spec.image);
    const missing = all.find((c) => this.o.missingImage?.(c.spec.image));
    if (missing) {
      missing.state = { waiting: { reason: 'ErrImagePull', message: `failed to pull image "${missing.spec.image}": pull access denied, repository does not exist or may require authorization` } };
      this.report(run, 'Pending');
      missing.state = { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${missing.spec.image}"` } };
      return this.report(run, 'Pending');
    }
    if (run.init) {
      const code = await new Promise<number>((resolve) => {
        const proc = this.spawnContainer(run, run.init!);
        run.init!.proc = proc;
        run.init!.state = { running: { startedAt: new Date().toISOString() } };
        this.report(run, 'Pending');
        proc.on('exit', (c) => resolve(c ?? 1));
      });
      run.init.state = { terminated: { exitCode: code, reason: code === 0 ? 'Completed' : 'Error' } };
      if (code !== 0 || run.stopping) {
        if (!run.stopping) run.init.state = { waiting: { reason: 'CrashLoopBackOff', message: `init container exited with ${code}` } };
        return this.report(run, 'Pending');
      }
    }
    run.initDone = true;
    for (const c of run.containers) this.startContainer(run, c);
  }

  private startContainer(run: PodRun, c: Container): void {
    if (run.stopping) return;
    if (c.name === 'user' && this.o.noGlibcImage?.(c.spec.image)) {
      // What containerd reports when the injected binary's dynamic loader is missing from the image.
      return this.ended(run, c, 128, 'StartError', `exec: "${c.spec.command[0]}": no such file or directory`);
    }
    c.proc = this.spawnContainer(run, c);
    c.state = { running: { startedAt: new Date().toISOString() } };
    const limit = memoryBytes(c.spec.resources?.limits?.memory);
    const watch = limit === undefined ? undefined : setInterval(() => this.checkMemory(c, limit), 100);
    c.proc.on('exit', (code, signal) => {
      clearInterval(watch);
      if (run.stopping) return;
      const oom = c.oomKilled;
      c.oomKilled = false;
      this.ended(run, c, code ?? 128 + (signal === 'SIGKILL' ? 9 : 15), oom ? 'OOMKilled' : code === 0 ? 'Completed' : 'Error', '');
    });
    this.report(run);
  }

  /** A container ended on its own: restart it after a back-off, as restartPolicy Always does. */
  private ended(run: PodRun, c: Container, exitCode: number, reason: string, message: string): void {
    c.restartCount++;
    c.lastState = { terminated: { exitCode, reason, ...(message && { message }), finishedAt: new Date().toISOString() } };
    const quick = c.failedAt !== undefined && Date.now() - c.failedAt < 5000;
    c.failedAt = Date.now();
    const delay = quick ? BACKOFF_MS * 4 : BACKOFF_MS;
    c.state = quick ? { waiting: { reason: 'CrashLoopBackOff', message: `back-off restarting failed container ${c.name} in pod ${run.name}` } } : { terminated: c.lastState.terminated };
    this.report(run);
    c.timer = setTimeout(() => this.startContainer(run, c), delay);
  }

  private spawnContainer(run: PodRun, c: Container): ChildProcess {
    const rewrite = this.rewriter(run, c.spec);
    const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: run.dir, ...this.o.env };
    for (const e of c.spec.env ?? []) {
      if (e.name === 'TUSK_SANDBOX') continue;
      if (e.value !== undefined) env[e.name] = rewrite(e.value);
      else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name') env[e.name] = run.name;
      else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') env[e.name] = run.pod.metadata.namespace;
      else if (e.valueFrom?.secretKeyRef) env[e.name] = Buffer.from(this.secretData(e.valueFrom.secretKeyRef.name)?.[e.valueFrom.secretKeyRef.key] ?? '', 'base64').toString('utf8');
    }
    const [cmd, ...args] = [...(c.spec.command ?? []), ...(c.spec.args ?? [])].map(rewrite);
    const proc = spawn(cmd!, args, { env, cwd: c.spec.workingDir ? rewrite(c.spec.workingDir) : run.dir, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const log = createWriteStream(join(run.dir, 'logs', `${c.name}.log`), { flags: 'a' });
    proc.stdout!.pipe(log, { end: false });
    proc.stderr!.pipe(log, { end: false });
    proc.on('error', (err) => log.write(`stand-in kubelet: cannot start: ${err.message}\n`));
    proc.on('exit', () => log.end());
    return proc;
  }

  private secretData(name: string): Record<string, string> | undefined {
    const secret = this.o.api.list('secrets').find((x) => x.metadata.name === name) as (KObject & { data?: Record<string, string> }) | undefined;
    return secret && (secret.data ?? {});
  }

  /** What a kubelet says when an env secretKeyRef names a Secret or key that does not exist. */
  private missingSecretRef(spec: { env?: { valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } } }[] }): string | undefined {
    for (const e of spec.env ?? []) {
      const ref = e.valueFrom?.secretKeyRef;
      if (!ref || ref.optional) continue;
      const data = this.secretData(ref.name);
      if (!data) return `secret "${ref.name}" not found`;
      if (data[ref.key] === undefined) return `couldn't find key ${ref.key} in Secret ${ref.name}`;
    }
    return undefined;
  }

  /** A secret volume's files from the Secret the API server holds; why not, when a required one is missing. */
  private async writeSecretVolume(dir: string, source: { secretName: string; optional?: boolean; items?: { key: string; path: string }[] }): Promise<string | undefined> {
    const secret = this.o.api.list('secrets').find((x) => x.metadata.name === source.secretName) as (KObject & { data?: Record<string, string> }) | undefined;
    if (!secret) return source.optional ? undefined : `secret "${source.secretName}" not found`;
    const items = source.items ?? Object.keys(secret.data ?? {}).map((key) => ({ key, path: key }));
    for (const { key, path } of items) {
      const value = secret.data?.[key];
      if (value === undefined) return source.optional ? undefined : `couldn't find key ${key} in Secret ${source.secretName}`;
      await writeFile(join(dir, path), Buffer.from(value, 'base64'), { mode: 0o644 });
    }
    return undefined;
  }

  /** The container's processes (its process and their descendants) over the limit: killed, as the kernel's OOM killer would. */
  private checkMemory(c: Container, limit: number): void {
    const pid = c.proc?.pid;
    if (!pid || c.oomKilled || c.proc!.exitCode !== null) return;
    if (treeResidentBytes(pid) <= limit) return;
    c.oomKilled = true;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  /** Container paths → this pod's folders: mount paths to volume folders, the tusk image's paths to the checkout. */
  private rewriter(run: PodRun, spec: any): (s: string) => string {
    const map = new Map<string, string>();
    if (spec.image === this.o.tuskImage) {
      map.set(IMAGE_APP, join(this.rootfs, IMAGE_APP));
      map.set(IMAGE_NODE, join(this.rootfs, IMAGE_NODE));
    }
    for (const m of spec.volumeMounts ?? []) map.set(m.mountPath, join(run.dir, 'volumes', m.name));
    const froms = [...map.keys()].sort((a, b) => b.length - a.length);
    if (froms.length === 0) return (s) => s;
    const re = new RegExp(`(^|[\\s=:'"])(${froms.map((f) => f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})(?=$|[/\\s'":])`, 'g');
    return (s) => s.replace(re, (_m, pre: string, from: string) => pre + map.get(from)!);
  }

  private unschedulable(pod: KObject): string | undefined {
    const labels = this.o.nodeLabels ?? {};
    const selector = pod.spec.nodeSelector ?? {};
    if (Object.entries(selector).some(([k, v]) => labels[k] !== v)) return "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.";
    const gpus = pod.spec.containers.some((c: any) => c.resources?.limits?.['nvidia.com/gpu'] || c.resources?.requests?.['nvidia.com/gpu']);
    if (gpus) return '0/1 nodes are available: 1 Insufficient nvidia.com/gpu.';
    return undefined;
  }

  private report(run: PodRun, phase?: string): void {
    if (run.stopping) return;
    const status = (c: Container) => ({ name: c.name, image: c.spec.image, imageID: '', ready: Boolean(c.state.running), restartCount: c.restartCount, started: Boolean(c.state.running), state: c.state, lastState: c.lastState });
    const allRunning = run.containers.every((c) => c.state.running);
    this.o.api.updatePodStatus(run.name, {
      phase: phase ?? (run.initDone ? 'Running' : 'Pending'),
      conditions: [...run.conditions, { type: 'Ready', status: allRunning ? 'True' : 'False' }],
      ...(run.init && { initContainerStatuses: [status(run.init)] }),
      containerStatuses: run.containers.map(status),
      hostIP: '127.0.0.1',
      podIP: '127.0.0.1',
    });
  }

  /** Stops every container: SIGTERM to its process group, SIGKILL after `graceMs`. */
  private async kill(run: PodRun, graceMs: number): Promise<void> {
    run.stopping = true;
    const procs = [run.init, ...run.containers].filter((c): c is Container => Boolean(c));
    for (const c of procs) clearTimeout(c.timer);
    await Promise.all(procs.map((c) => c.proc).filter((p): p is ChildProcess => Boolean(p) && p!.exitCode === null && p!.signalCode === null).map((p) => new Promise<void>((resolve) => {
      const signal = (s: NodeJS.Signals) => {
        try {
          process.kill(-p.pid!, s);
        } catch {
          // already gone
        }
      };
      const timer = setTimeout(() => signal('SIGKILL'), graceMs);
      p.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      signal(graceMs === 0 ? 'SIGKILL' : 'SIGTERM');
    })));
    this.pods.delete(run.name);
    await rm(run.dir, { recursive: true, force: true });
    for (const memory of run.memoryDirs) await rm(memory, { recursive: true, force: true });
  }
}

/** A Kubernetes memory quantity in bytes (the forms specs use: 64Mi, 1G, 500000). */
function memoryBytes(q: string | undefined): number | undefined {
  if (!q) return undefined;
  const m = /^(\d+(?:\.\d+)?)([KMGT]i?)?$/.exec(q);
  if (!m) return undefined;
  const units: Record<string, number> = { '': 1, K: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };
  return Number(m[1]) * units[m[2] ?? '']!;
}
