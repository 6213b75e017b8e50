// The daemon's HTTP side port: /healthz for liveness and /metrics in the
// Prometheus text format. (The web console will live here too.)
import type { Server } from 'node:http';
import type { Metrics } from './metrics.js';
import { createListener, type TlsFiles } from './tls.js';

export function startHttpServer(host: string, port: number, metrics: Metrics, healthy: () => boolean, tls?: TlsFiles): Promise<Server> {
  const server = createListener(tls, {}, (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/healthz') {
      const ok = healthy();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok\n' : 'starting\n');
    } else if (url.pathname === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(metrics.render());
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
