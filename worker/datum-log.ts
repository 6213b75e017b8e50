// A datum's log: what its code printed, one LogLine per line and stream, plus
// the worker's own 'system' lines (tries, timeouts, the sandbox fallback). The
// size kept per datum is capped: the first half of the budget keeps the first
// lines, the second half the latest lines, and a system line in between says
// how much was left out — so a failing datum's last words always survive. The
// last stderr line is tracked separately for the failure reason.
import type { LogLine } from '../src/client/index.js';

export type Stream = 'stdout' | 'stderr' | 'system';

/** Longest single line kept (longer ones are cut). */
const MAX_LINE = 4096;

export class DatumLog {
  private readonly head: LogLine[] = [];
  private readonly tail: LogLine[] = [];
  private headBytes = 0;
  private tailBytes = 0;
  private droppedLines = 0;
  private droppedBytes = 0;
  private readonly partial: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };
  /** The last non-empty line the code wrote to stderr. */
  lastStderr = '';

  constructor(
    private readonly ids: { pipeline: string; job: string; datum: string },
    private readonly capBytes = 64 * 1024,
    private readonly now: () => Date = () => new Date(),
  ) {}

  system(message: string): void {
    this.add('system', message);
  }

  /** A chunk of the code's output; complete lines become log lines. */
  write(stream: 'stdout' | 'stderr', chunk: string): void {
    const lines = (this.partial[stream] + chunk).split('\n');
    this.partial[stream] = lines.pop()!;
    if (this.partial[stream].length > MAX_LINE) {
      lines.push(this.partial[stream]);
      this.partial[stream] = '';
    }
    for (const line of lines) this.line(stream, line);
  }

  /** The code ended: unfinished lines become log lines. */
  end(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream] !== '') this.line(stream, this.partial[stream]);
      this.partial[stream] = '';
    }
  }

  lines(): LogLine[] {
    if (this.droppedLines === 0) return [...this.head, ...this.tail];
    const note = this.make('system', `${this.droppedLines} log lines (${this.droppedBytes} bytes) left out: a datum keeps ${this.capBytes} bytes of log`);
    return [...this.head, note, ...this.tail];
  }

  private line(stream: 'stdout' | 'stderr', text: string): void {
    const message = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (stream === 'stderr' && message.trim() !== '') this.lastStderr = message.length > 500 ? message.slice(0, 500) + '…' : message;
    this.add(stream, message);
  }

  private add(stream: Stream, text: string): void {
    const message = text.length > MAX_LINE ? text.slice(0, MAX_LINE) + '…' : text;
    const size = message.length + 1;
    const half = this.capBytes / 2;
    if (this.tail.length === 0 && this.headBytes + size <= half) {
      this.head.push(this.make(stream, message));
      this.headBytes += size;
      return;
    }
    this.tail.push(this.make(stream, message));
    this.tailBytes += size;
    while (this.tailBytes > half && this.tail.length > 1) {
      const dropped = this.tail.shift()!;
      this.tailBytes -= dropped.message.length + 1;
      this.droppedLines++;
      this.droppedBytes += dropped.message.length + 1;
    }
  }

  private make(stream: Stream, message: string): LogLine {
    return { time: this.now().toISOString(), pipeline: this.ids.pipeline, job: this.ids.job, datum: this.ids.datum, stream, message };
  }
}
