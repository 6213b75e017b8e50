// One stand-in "cluster" for an end-to-end test file: the stand-in API server,
// the stand-in kubelet, a kubeconfig pointing at them, and a real tuskd with
// TUSK_RUNTIME=kubernetes (restartable on the same home) behind a stand-in for
// its Service (one stable address the pods dial, forwarded to whatever port the
// current tuskd bound), plus what the tests look at: workloads, pods, and
// polling until something holds.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RBAC_RULES } from '../../src/runtime/kubernetes/rbac.js';
import { ROOT, startDaemon, type DaemonHandle } from '../helpers/daemon.js';
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
    private readonly service: ServiceStandIn,
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
    const service = await ServiceStandIn.start();
    const env = { TUSK_RUNTIME: 'kubernetes', KUBECONFIG: join(dir, 'kubeconfig'), TUSK_IMAGE: IMAGE, TUSK_INSTANCE: 'test-tusk', TUSK_WORKER_ADDRESS: `127.0.0.1:${service.port}` };
    const cluster = new StandInCluster(dir, api, kubelet, service, env);
    await cluster.startTuskd();
    return cluster;
  }

  /** (Re)starts tuskd on the same home, behind the same Service address (tuskd itself binds a free port). */
  async startTuskd(): Promise<DaemonHandle> {
    this.daemon = await startDaemon({ home: join(this.dir, 'home'), env: this.daemonEnv });
    this.service.target = this.daemon.port;
    return this.daemon;
  }

  async stop(): Promise<void> {
    await this.daemon?.stop({ keepHome: true });
    await this.kubelet.stop();
    await this.api.stop();
    await this.service.stop();
    await rm(this.dir, { recursive: true, force: true });
  }

  /**
   * The requests the API server got (tuskd's, and the few a test sends itself) that the Role in deploy/ does not
   * grant (src/runtime/kubernetes/rbac.ts), as `verb resource`: what a real cluster would refuse with 403.
   */
  rbacRefusals(): string[] {
    const refused = new Set<string>();
    for (const r of this.api.requests) {
      const m = /^(\w+) \/api\/v1\/namespaces\/[^/]+\/([a-z]+)(\/[^/?]+)?(\?watch)?$/.exec(r);
      if (!m) {
        refused.add(r);
        continue;
      }
      const [, method, resource, name, watch] = m;
      const verb = watch ? 'watch' : method === 'GET' ? (name ? 'get' : 'list') : ({ POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' } as Record<string, string>)[method!];
      if (!RBAC_RULES.some((rule) => rule.resources.includes(resource!) && rule.verbs.includes(verb!))) refused.add(`${verb} ${resource}`);
    }
    return [...refused].sort();
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

/**
 * A stand-in for tuskd's Kubernetes Service: a loopback port held for the whole file, each connection
 * forwarded to the port of the tuskd running now (refused, like a Service without endpoints, while
 * none runs). A restarted tuskd binds any free port, so no other process can take "its" port meanwhile.
 */
class ServiceStandIn {
  target: number | undefined;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<ServiceStandIn> {
    let service!: ServiceStandIn;
    const server = createServer((client) => service.forward(client));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    service = new ServiceStandIn(server, (server.address() as { port: number }).port);
    return service;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private forward(client: Socket): void {
    if (this.target === undefined) {
      client.destroy();
      return;
    }
    const upstream = connect(this.target, '127.0.0.1');
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
      s.once('error', () => (client.destroy(), upstream.destroy()));
      s.once('close', () => (client.destroy(), upstream.destroy()));
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
