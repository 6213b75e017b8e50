// A STAND-IN for the Kubernetes API server (no real one can run on these
// machines): the REST and watch subset @kubernetes/client-node uses for the
// kubernetes runtime — ReplicationControllers (list, get, create, JSON/merge
// patch, delete with its pods), pods (list, get, watch, delete) and Secrets
// (create, replace, delete; the kubelet reads them for secret volumes) — over HTTP
// on loopback, plus the replication controller's loop (an RC's replicas become
// pods). It keeps objects in memory, assigns resourceVersions, replays watch
// events from a given resourceVersion, and matches equality label selectors.
// The stand-in kubelet (stand-in-kubelet.ts) runs the pods and reports their
// status through `updatePodStatus`. A kubeconfig pointing at it is written for
// the real client. It is not Kubernetes: no validation, no admission, no auth.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { applyJsonPatch, applyMergePatch } from '../../src/runtime/kubernetes/json-patch.js';

// eslint-style `any`: objects are whatever JSON the client sends.
export type KObject = { apiVersion?: string; kind?: string; metadata: Record<string, any>; spec?: any; status?: any };
export type WatchType = 'ADDED' | 'MODIFIED' | 'DELETED';

interface Event {
  rv: number;
  type: WatchType;
  object: KObject;
}

const KINDS = { pods: 'Pod', replicationcontrollers: 'ReplicationController', secrets: 'Secret' } as const;
type Resource = keyof typeof KINDS;

export class StandInApiServer {
  private server?: Server;
  private rv = 1;
  private readonly objects: Record<Resource, Map<string, KObject>> = { pods: new Map(), replicationcontrollers: new Map(), secrets: new Map() };
  private readonly history: Record<Resource, Event[]> = { pods: [], replicationcontrollers: [], secrets: [] };
  /** Pod events, for the stand-in kubelet (in-process). */
  readonly podEvents = new EventEmitter();
  /** Every request, as `METHOD path`, for tests that check what the client called. */
  readonly requests: string[] = [];
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err) => send(res, 500, status(500, 'InternalError', (err as Error).message)));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server!.address() as { port: number }).port;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /** A kubeconfig for the real client, pointing at this server. */
  async writeKubeconfig(path: string, namespace: string): Promise<void> {
    const config = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'stand-in', cluster: { server: `http://127.0.0.1:${this.port}`, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'stand-in', user: { token: 'stand-in' } }],
      contexts: [{ name: 'stand-in', context: { cluster: 'stand-in', user: 'stand-in', namespace } }],
      'current-context': 'stand-in',
    };
    await writeFile(path, JSON.stringify(config));
  }

  list(resource: Resource): KObject[] {
    return [...this.objects[resource].values()];
  }

  pod(name: string): KObject | undefined {
    return this.objects.pods.get(name);
  }

  /** The kubelet's status report. */
  updatePodStatus(name: string, status: Record<string, unknown>): void {
    const pod = this.objects.pods.get(name);
    if (!pod) return;
    this.put('pods', { ...pod, status: structuredClone(status) }, 'MODIFIED');
  }

  /** `kubectl delete pod`: marked for deletion; the kubelet stops its containers and calls removePod. */
  deletePod(name: string): void {
    const pod = this.objects.pods.get(name);
    if (!pod || pod.metadata.deletionTimestamp) return;
    this.put('pods', { ...pod, metadata: { ...pod.metadata, deletionTimestamp: new Date().toISOString() } }, 'MODIFIED');
  }

  /** The kubelet has stopped the pod's containers: the pod is gone (and its RC makes a new one). */
  removePod(name: string): void {
    const pod = this.objects.pods.get(name);
    if (!pod) return;
    this.objects.pods.delete(name);
    this.record('pods', 'DELETED', pod);
    const owner = pod.metadata.ownerReferences?.[0]?.name;
    if (owner) this.replicate(owner);
  }

  private put(resource: Resource, obj: KObject, type: WatchType): KObject {
    obj.metadata.resourceVersion = String(++this.rv);
    this.objects[resource].set(obj.metadata.name, obj);
    this.record(resource, type, obj);
    return obj;
  }

  private record(resource: Resource, type: WatchType, object: KObject): void {
    const event = { rv: type === 'DELETED' ? ++this.rv : this.rv, type, object: structuredClone(object) };
    if (type === 'DELETED') event.object.metadata.resourceVersion = String(event.rv);
    this.history[resource].push(event);
    if (resource === 'pods') this.podEvents.emit('event', event);
    this.emitter.emit(resource, event);
  }

  private readonly emitter = new EventEmitter().setMaxListeners(100);

  /** The replication controller loop: as many live pods as the RC's replicas. */
  private replicate(rcName: string): void {
    const rc = this.objects.replicationcontrollers.get(rcName);
    const live = this.list('pods').filter((p) => p.metadata.ownerReferences?.[0]?.name === rcName && !p.metadata.deletionTimestamp);
    const want = rc ? (rc.spec?.replicas ?? 1) : 0;
    for (const pod of live.slice(want)) this.deletePod(pod.metadata.name);
    for (let i = live.length; i < want; i++) {
      const template = structuredClone(rc!.spec.template);
      const name = `${rcName}-${randomBytes(3).toString('hex').slice(0, 5)}`;
      this.put('pods', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { ...template.metadata, name, namespace: rc!.metadata.namespace, uid: randomBytes(8).toString('hex'), creationTimestamp: new Date().toISOString(), ownerReferences: [{ apiVersion: 'v1', kind: 'ReplicationController', name: rcName, uid: rc!.metadata.uid, controller: true }] },
        spec: template.spec,
        status: { phase: 'Pending' },
      }, 'ADDED');
    }
    if (rc) this.put('replicationcontrollers', { ...rc, status: { replicas: want } }, 'MODIFIED');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url!, 'http://x');
    this.requests.push(`${req.method} ${url.pathname}${url.searchParams.get('watch') === 'true' ? '?watch' : ''}`);
    const m = url.pathname.match(/^\/api\/v1\/namespaces\/([^/]+)\/(pods|replicationcontrollers|secrets)(?:\/([^/]+))?$/);
    if (!m) return send(res, 404, status(404, 'NotFound', `the stand-in API server does not serve ${req.method} ${url.pathname}`));
    const [, namespace, resource, name] = m as unknown as [string, string, Resource, string | undefined];
    const selector = parseSelector(url.searchParams.get('labelSelector') ?? '');
    const inScope = (o: KObject) => o.metadata.namespace === namespace && matches(o, selector);
    if (req.method === 'GET' && !name && url.searchParams.get('watch') === 'true') return this.watch(req, res, resource, Number(url.searchParams.get('resourceVersion') || 0), inScope);
    if (req.method === 'GET' && !name) {
      return send(res, 200, { apiVersion: 'v1', kind: `${KINDS[resource]}List`, metadata: { resourceVersion: String(this.rv) }, items: this.list(resource).filter(inScope) });
    }
    const existing = name ? this.objects[resource].get(name) : undefined;
    if (name && (!existing || existing.metadata.namespace !== namespace) && req.method !== 'POST') return send(res, 404, status(404, 'NotFound', `${resource} "${name}" not found`));
    if (req.method === 'GET') return send(res, 200, existing);
    if (req.method === 'POST' && resource === 'replicationcontrollers' && !name) {
      const body = JSON.parse(await readBody(req)) as KObject;
      if (this.objects.replicationcontrollers.has(body.metadata.name)) return send(res, 409, status(409, 'AlreadyExists', `replicationcontrollers "${body.metadata.name}" already exists`));
      const rc = this.put('replicationcontrollers', { ...body, metadata: { ...body.metadata, namespace, uid: randomBytes(8).toString('hex'), creationTimestamp: new Date().toISOString() } }, 'ADDED');
      this.replicate(rc.metadata.name);
      return send(res, 201, rc);
    }
    if (req.method === 'PATCH' && resource === 'replicationcontrollers') {
      const body = JSON.parse(await readBody(req));
      const type = req.headers['content-type'] ?? '';
      const patched = (type.includes('json-patch') ? applyJsonPatch(existing, body) : applyMergePatch(existing, body)) as KObject;
      this.put('replicationcontrollers', patched, 'MODIFIED');
      this.replicate(patched.metadata.name);
      return send(res, 200, patched);
    }
    if (req.method === 'DELETE' && resource === 'replicationcontrollers') {
      this.objects.replicationcontrollers.delete(name!);
      this.record('replicationcontrollers', 'DELETED', existing!);
      this.replicate(name!); // background propagation: its pods go too
      return send(res, 200, status(200, 'Success', ''));
    }
    if (resource === 'secrets' && ((req.method === 'POST' && !name) || req.method === 'PUT')) {
      const body = JSON.parse(await readBody(req)) as KObject & { stringData?: Record<string, string>; data?: Record<string, string> };
      if (req.method === 'POST' && this.objects.secrets.has(body.metadata.name)) return send(res, 409, status(409, 'AlreadyExists', `secrets "${body.metadata.name}" already exists`));
      // As the API server does: stringData is folded into data (base64) and never stored as such.
      const data = { ...body.data, ...Object.fromEntries(Object.entries(body.stringData ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])) };
      const { stringData: _plain, ...rest } = body;
      const secret = this.put('secrets', { ...rest, data, metadata: { ...body.metadata, namespace } } as KObject, req.method === 'POST' ? 'ADDED' : 'MODIFIED');
      return send(res, req.method === 'POST' ? 201 : 200, secret);
    }
    if (req.method === 'DELETE' && resource === 'secrets') {
      this.objects.secrets.delete(name!);
      this.record('secrets', 'DELETED', existing!);
      return send(res, 200, status(200, 'Success', ''));
    }
    if (req.method === 'DELETE' && resource === 'pods') {
      this.deletePod(name!);
      return send(res, 200, this.objects.pods.get(name!));
    }
    send(res, 405, status(405, 'MethodNotAllowed', `the stand-in API server does not serve ${req.method} on ${resource}`));
  }

  private watch(req: IncomingMessage, res: ServerResponse, resource: Resource, from: number, inScope: (o: KObject) => boolean): void {
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const write = (e: Event) => {
      if (e.rv > from && inScope(e.object)) res.write(JSON.stringify({ type: e.type, object: e.object }) + '\n');
    };
    for (const e of this.history[resource]) write(e);
    this.emitter.on(resource, write);
    req.on('close', () => this.emitter.off(resource, write));
  }
}

function parseSelector(text: string): [string, string][] {
  return text.split(',').filter(Boolean).map((part) => {
    const [k, v] = part.split('=');
    return [k!, v ?? ''];
  });
}

function matches(o: KObject, selector: [string, string][]): boolean {
  return selector.every(([k, v]) => o.metadata.labels?.[k] === v);
}

function status(code: number, reason: string, message: string): object {
  return { apiVersion: 'v1', kind: 'Status', status: code < 300 ? 'Success' : 'Failure', code, reason, message };
}

function send(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
