// Logs of user code and of the system, per pipeline: JSON lines appended to
// $TUSK_HOME/logs/<pipeline>.jsonl, read back filtered by job and datum, and
// followed live.
import { EventEmitter } from 'node:events';
import { createReadStream } from 'node:fs';
import { appendFile, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface LogEntry {
  time: string;
  pipeline: string;
  job: string;
  datum: string;
  stream: 'stdout' | 'stderr' | 'system';
  message: string;
}

export interface LogFilter {
  pipeline: string;
  job?: string;
  datum?: string;
}

export class LogStore {
  private readonly events = new EventEmitter();
  private readonly tails = new Map<string, Promise<void>>();

  constructor(private readonly dir: string) {
    this.events.setMaxListeners(0);
  }

  async append(entries: LogEntry[]): Promise<void> {
    const byPipeline = new Map<string, LogEntry[]>();
    for (const e of entries) byPipeline.set(e.pipeline, [...(byPipeline.get(e.pipeline) ?? []), e]);
    for (const [pipeline, list] of byPipeline) {
      const text = list.map((e) => JSON.stringify(e)).join('\n') + '\n';
      // Appends to one file are serialised so lines never interleave.
      const previous = this.tails.get(pipeline) ?? Promise.resolve();
      const next = previous.then(async () => {
        await mkdir(this.dir, { recursive: true });
        await appendFile(this.file(pipeline), text);
      });
      this.tails.set(pipeline, next.catch(() => {}));
      await next;
      for (const e of list) this.events.emit(pipeline, e);
    }
  }

  /** Logged entries matching the filter, oldest first. */
  async *read(filter: LogFilter): AsyncIterable<LogEntry> {
    await this.tails.get(filter.pipeline);
    const stream = createReadStream(this.file(filter.pipeline), { encoding: 'utf8' });
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    try {
      for await (const line of lines) {
        if (!line) continue;
        const e = JSON.parse(line) as LogEntry;
        if (matches(e, filter)) yield e;
      }
    } catch (err) {
      if ((err as { code?: string }).code !== 'ENOENT') throw err;
    }
  }

  /** Calls `fn` for each new matching entry until the returned function is called. */
  follow(filter: LogFilter, fn: (e: LogEntry) => void): () => void {
    const listener = (e: LogEntry) => matches(e, filter) && fn(e);
    this.events.on(filter.pipeline, listener);
    return () => this.events.off(filter.pipeline, listener);
  }

  async remove(pipeline: string): Promise<void> {
    await rm(this.file(pipeline), { force: true });
  }

  private file(pipeline: string): string {
    return join(this.dir, `${pipeline}.jsonl`);
  }
}

function matches(e: LogEntry, f: LogFilter): boolean {
  return (!f.job || e.job === f.job) && (!f.datum || e.datum === f.datum);
}
