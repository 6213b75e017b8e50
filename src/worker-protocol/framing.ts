// Newline-delimited JSON framing: one JSON document per line. JSON.stringify
// never emits a raw newline (it escapes them inside strings), so a '\n' always
// ends a frame. Used on every local channel of a worker: worker ↔ sidecar
// (unix socket), worker ↔ sandbox runner (pipes), `tusk next datum` ↔ worker.

/** One frame: the message as JSON and a newline. */
export function encodeFrame(message: unknown): string {
  return JSON.stringify(message) + '\n';
}

/**
 * Writes frames to a stream, those written in one tick together: one write
 * (one system call, and one wake-up of the process reading them) instead of
 * one per frame. A worker asks its sidecar for several things at once per
 * datum (finish the last one, fetch one ahead, activate the next). Order is
 * kept; frames for a stream destroyed meanwhile are dropped.
 */
export class FrameWriter {
  private queued: string[] = [];

  constructor(private readonly stream: NodeJS.WritableStream & { readonly destroyed?: boolean }) {}

  write(message: unknown): void {
    if (this.queued.length === 0) process.nextTick(() => this.flush());
    this.queued.push(encodeFrame(message));
  }

  private flush(): void {
    const text = this.queued.length === 1 ? this.queued[0]! : this.queued.join('');
    this.queued = [];
    if (!this.stream.destroyed) this.stream.write(text);
  }
}

/**
 * Cuts a stream of text chunks into complete lines, keeping a partial line
 * until its end arrives. Pure: push() returns the lines completed by a chunk.
 */
export class LineSplitter {
  private rest = '';

  push(chunk: string): string[] {
    const text = this.rest + chunk;
    const lines = text.split('\n');
    this.rest = lines.pop()!;
    return lines;
  }

  /** What is left without a newline (the stream ended mid-line). */
  flush(): string {
    const rest = this.rest;
    this.rest = '';
    return rest;
  }
}

/** Parses frames out of a readable text stream, calling `onFrame` for each JSON document (malformed lines go to `onBad`). */
export function readFrames(
  stream: NodeJS.ReadableStream,
  onFrame: (message: unknown) => void,
  onBad: (line: string, err: unknown) => void = () => {},
): void {
  const splitter = new LineSplitter();
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    for (const line of splitter.push(chunk)) {
      if (line === '') continue;
      let message: unknown;
      try {
        message = JSON.parse(line);
      } catch (err) {
        onBad(line, err);
        continue;
      }
      onFrame(message);
    }
  });
}
