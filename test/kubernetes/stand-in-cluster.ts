// One stand-in "cluster" for an end-to-end test file: the stand-in API server,
// the stand-in kubelet, a kubeconfig pointing at them, and a real tuskd with
// TUSK_RUNTIME=kubernetes (restartable on the same home), plus what the tests
// look at: workloads, pods, and polling until something holds.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, ROOT, startDaemon, type DaemonHandle } from '../helpers/daemon.js';
import { StandInApiServer, type KObject } from './stand-in-api-server.js';
import { StandInKubelet } from './stand-in-kubelet.js';

export const NAMESPACE = 'tusk-test';
export const IMAGE = 'tusk:test';

/** The stand-in kubelet needs bubblewrap to give user code a literal /pfs (it has no mount namespaces of its own). */
export const hasBwrap = spawnSync('bwrap', ['--ro-bind', '/', '/', 'true']).status === 0;

export class StandInCluster {
  daemon!: DaemonHandle;
  private constructor(
    readonly dir: string,
    readonly api: StandInApiServer,
    readonly kubelet: StandInKubelet,
    private readonly port: number,
    private readonly daemonEnv: Record<string, string>,
  ) {}

  static async start(): Promise<StandInCluster> {
    const dir = await mkdtemp(join(tmpdir(), 'tusk-k8s-'));
    const api = new StandInApiServer();
    await api.start();
    await api.writeKubeconfig(join(dir, 'kubeconfig'), NAMESPACE);
    const kubelet = new StandInKubelet({
      api,
      root: join(dir, 'node'),
      packageRoot: ROOT.replace(/\/$/, ''),
      tuskImage: IMAGE,
      missingImage: (image) => image.startsWith('missing/'),
      noGlibcImage: (image) => image.includes('alpine'),
      env: { TUSK_DAEMON_GRACE_MS: '10000' },
    });
    await kubelet.start();
    const port = await freePort();
    const env = { TUSK_RUNTIME: 'kubernetes', KUBECONFIG: join(dir, 'kubeconfig'), TUSK_IMAGE: IMAGE, TUSK_INSTANCE: 'test-tusk', TUSK_WORKER_ADDRESS: `127.0.0.1:${port}` };
    const cluster = new StandInCluster(dir, api, kubelet, port, env);
    await cluster.startTuskd();
    return cluster;
  }

  /** (Re)starts tuskd on the same home and port. */
  async startTuskd(): Promise<DaemonHandle> {
    this.daemon = await startDaemon({ home: join(this.dir, 'home'), port: this.port, env: this.daemonEnv });
    return this.daemon;
  }

  async stop(): Promise<void> {
    await this.daemon?.stop({ keepHome: true });
    await this.kubelet.stop();
    await this.api.stop();
    await rm(this.dir, { recursive: true, force: true });
  }

  /** Workloads as `name xREPLICAS`, sorted. */
  rcs(): string[] {
    return this.api.list('replicationcontrollers').map((r) => `${r.metadata.name} x${r.spec.replicas}`).sort();
  }

  /** Pods whose name starts with `prefix` and that are not being deleted. */
  pods(prefix: string): KObject[] {
    return this.api.list('pods').filter((p) => p.metadata.name.startsWith(prefix) && !p.metadata.deletionTimestamp);
  }

  runningPods(prefix: string): KObject[] {
    return this.pods(prefix).filter((p) => p.status?.containerStatuses?.every((c: { state?: { running?: unknown } }) => c.state?.running));
  }
}

/** Polls `check` every 100 ms until it returns something other than undefined or false. */
export async function until<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
