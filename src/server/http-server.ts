// The daemon's HTTP side port: /healthz for liveness, /metrics in the
// Prometheus text format, and the web console: its JSON API under /api
// (src/server/json-gateway.ts), its live updates at /api/events and its
// files everywhere else.
import { answerClientErrors } from './client-errors.js';
import type { Server } from 'node:http';
import { createListener, type TlsFiles } from './tls.js';
import type { ConsoleEvents } from './console-events.js';
import type { ConsoleFiles } from './console-static.js';
import type { JsonGateway } from './json-gateway.js';
import type { Metrics } from './metrics.js';

export interface HttpRoutes {
  metrics: Metrics;
  healthy: () => boolean;
  api: JsonGateway;
  events: ConsoleEvents;
  files: ConsoleFiles;
}

export function startHttpServer(host: string, port: number, routes: HttpRoutes, tls?: TlsFiles): Promise<Server> {
  const server = createListener(tls, {}, (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    if (path === '/healthz') {
      const ok = routes.healthy();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok\n' : 'starting\n');
    } else if (path === '/metrics') {
      routes.metrics.render().then(
        (text) => res.writeHead(200, { 'content-type': routes.metrics.contentType }).end(text),
        (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${err.message}\n`),
      );
    } else if (path === '/api/events') {
      void routes.api.mayWatch(req, res).then((ok) => ok && routes.events.serve(req, res, () => routes.api.mayStillWatch(req)));
    } else if (path.startsWith('/api/')) {
      void routes.api.handle(req, res, path.slice('/api'.length), url.searchParams);
    } else if (req.method === 'GET' || req.method === 'HEAD') {
      routes.files.serve(req, res, path).catch(() => res.writeHead(500).end());
    } else {
      res.writeHead(405, { 'content-type': 'text/plain' }).end('method not allowed\n');
    }
  });
  answerClientErrors(server);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
