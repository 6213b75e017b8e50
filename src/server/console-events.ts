// Live updates for the web console: a server-sent-event stream at
// /api/events. The daemon reports what changed (a job's state or counts, a
// finished commit, a moved branch, a pipeline); changes are gathered for a
// short while and sent as one `change` event listing them, so a running job
// with thousands of datums costs the browser a few messages a second. The
// console refetches what its open view shows when a change concerns it.
// A stream is allowed again at every keepalive (`stillAllowed`): one whose
// token was revoked since it opened, or opened before access control was
// turned on, is ended then, so it hears at most one keepalive period more.
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
  /** Each open stream, with the check it must keep passing (none: allowed for good). */
  private readonly clients = new Map<ServerResponse, (() => Promise<boolean>) | undefined>();
  private pending = new Map<string, ConsoleChange>();
  private timer?: NodeJS.Timeout;
  private readonly keepalive: NodeJS.Timeout;

  constructor() {
    this.keepalive = setInterval(() => {
      for (const [res, stillAllowed] of this.clients) {
        res.write(': keepalive\n\n');
        if (stillAllowed) void this.recheck(res, stillAllowed);
      }
    }, KEEPALIVE_MS);
    this.keepalive.unref();
  }

  /** Records a change; the same object changing twice within a flush is sent once, in its last state. */
  publish(change: ConsoleChange): void {
    if (this.clients.size === 0) return;
    this.pending.set(`${change.kind}/${change.repo ?? change.pipeline ?? ''}/${change.id ?? ''}`, change);
    this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  /** Serves one browser's event stream until it goes away, or until `stillAllowed` says no at a keepalive. */
  serve(req: IncomingMessage, res: ServerResponse, stillAllowed?: () => Promise<boolean>): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write('retry: 2000\n: connected\n\n');
    this.clients.set(res, stillAllowed);
    req.on('close', () => this.clients.delete(res));
  }

  /** Ends a stream no longer allowed (its browser reconnects and is refused, with the reason). */
  private async recheck(res: ServerResponse, stillAllowed: () => Promise<boolean>): Promise<void> {
    const allowed = await stillAllowed().catch(() => true); // a failed check (daemon stopping) ends nothing
    if (allowed || !this.clients.has(res)) return;
    this.clients.delete(res);
    res.end();
  }

  close(): void {
    clearInterval(this.keepalive);
    clearTimeout(this.timer);
    for (const res of this.clients.keys()) res.end();
    this.clients.clear();
  }

  private flush(): void {
    this.timer = undefined;
    const changes = [...this.pending.values()];
    this.pending = new Map();
    const text = `event: change\ndata: ${JSON.stringify(changes)}\n\n`;
    for (const res of this.clients.keys()) res.write(text);
  }
}
