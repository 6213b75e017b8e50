// Live updates for the web console: a server-sent-event stream at
// /api/events. The daemon reports what changed (a job's state or counts, a
// finished commit, a moved branch, a pipeline); changes are gathered for a
// short while and sent as one `change` event listing them, so a running job
// with thousands of datums costs the browser a few messages a second. The
// console refetches what its open view shows when a change concerns it.
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface ConsoleChange {
  kind: 'job' | 'datum' | 'commit' | 'branch' | 'pipeline' | 'repo';
  repo?: string;
  pipeline?: string;
  id?: string;
  state?: string;
}

const FLUSH_MS = 200;
const KEEPALIVE_MS = 15_000;

export class ConsoleEvents {
  private readonly clients = new Set<ServerResponse>();
  private pending = new Map<string, ConsoleChange>();
  private timer?: NodeJS.Timeout;
  private readonly keepalive: NodeJS.Timeout;

  constructor() {
    this.keepalive = setInterval(() => {
      for (const res of this.clients) res.write(': keepalive\n\n');
    }, KEEPALIVE_MS);
    this.keepalive.unref();
  }

  /** Records a change; the same object changing twice within a flush is sent once, in its last state. */
  publish(change: ConsoleChange): void {
    if (this.clients.size === 0) return;
    this.pending.set(`${change.kind}/${change.repo ?? change.pipeline ?? ''}/${change.id ?? ''}`, change);
    this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  /** Serves one browser's event stream until it goes away. */
  serve(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write('retry: 2000\n: connected\n\n');
    this.clients.add(res);
    req.on('close', () => this.clients.delete(res));
  }

  close(): void {
    clearInterval(this.keepalive);
    clearTimeout(this.timer);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private flush(): void {
    this.timer = undefined;
    const changes = [...this.pending.values()];
    this.pending = new Map();
    const text = `event: change\ndata: ${JSON.stringify(changes)}\n\n`;
    for (const res of this.clients) res.write(text);
  }
}
