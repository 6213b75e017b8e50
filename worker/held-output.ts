// The sandbox runner's output pipes, held for its life (a confined runner only):
// the runner's fds 3 and 4 are the worker's two sockets, and a run given an end
// mark gets them as its stdout and stderr — no pipes, streams or `out` frames
// per datum in the runner. When the run's process group is gone the runner
// writes the mark on both, so everything before it is that run's output; the
// line after the mark on stdout is the run's `exit` frame (one write and one
// wake-up of the worker fewer than sending it apart). The mark is random per
// sandbox and run, and reaches the runner on its stdin, which code never sees.
// One run at a time holds the pipes; others get pipes of their own, as before.
// Text after that, or with no run holding the pipes, belongs to no datum: it is
// counted in the worker's log, never in a datum's.
import type { Readable } from 'node:stream';

export type OutputStream = 'stdout' | 'stderr';
export type OutputHandler = (stream: OutputStream, data: string) => void;

/** What `text` holds before `mark`, and after it; with no whole mark, `held` is the tail that may be its start. */
export function splitAtMark(text: string, mark: string): { before: string; after?: string; held: string } {
  const at = text.indexOf(mark);
  if (at >= 0) return { before: text.slice(0, at), after: text.slice(at + mark.length), held: '' };
  // The mark begins with a NUL: only a tail from the last NUL on can be the start of a mark split over two reads.
  const nul = text.lastIndexOf('\0');
  if (nul >= 0 && text.length - nul < mark.length && mark.startsWith(text.slice(nul))) return { before: text.slice(0, nul), held: text.slice(nul) };
  return { before: text, held: '' };
}

interface HeldRun {
  mark: string;
  onOutput: OutputHandler;
  ended: Record<OutputStream, boolean>;
  /** What came after the mark on stdout so far, until the newline that ends the runner's frame; then the frame. */
  trailer: string;
  frame: string | undefined;
  done: (frame: string) => void;
}

export class HeldOutput {
  private run: HeldRun | undefined;
  private readonly held: Record<OutputStream, string> = { stdout: '', stderr: '' };
  /** Held by a run until its exit is known (release()). */
  private owner: number | undefined;
  /** Set when a process may outlive its run holding the pipes (or left them non-blocking): runs get pipes of their own from then on. */
  retired = false;

  constructor(
    stdout: Readable,
    stderr: Readable,
    /** Text that belongs to no run (how many characters, never the text: it may be anything). */
    private readonly onStray: (stream: OutputStream, chars: number) => void,
  ) {
    for (const [name, s] of [['stdout', stdout], ['stderr', stderr]] as const) {
      s.setEncoding('utf8');
      s.on('data', (chunk: string) => this.push(name, chunk));
      s.on('error', () => {}); // the runner died: the sandbox reports it
    }
  }

  /** True when a run may take the pipes now. */
  available(): boolean {
    return !this.retired && this.owner === undefined;
  }

  /**
   * Run `id` takes the pipes; resolves when `mark` came on both (all its output was handed to `onOutput`) and the
   * line after it on stdout (the runner's frame) is whole: with that line, without its newline.
   */
  claim(id: number, mark: string, onOutput: OutputHandler): Promise<string> {
    this.owner = id;
    return new Promise((done) => (this.run = { mark, onOutput, ended: { stdout: false, stderr: false }, trailer: '', frame: undefined, done }));
  }

  /** Run `id` ended (its exit is known and its marks came): the pipes are free for the next. */
  release(id: number): void {
    if (this.owner === id) this.owner = undefined;
  }

  /**
   * Run `id`'s exit came apart, and the marks of `streams` will not come (the runner could not write them): resolves
   * when the other marks came (undefined when the run does not hold the pipes). No frame follows a mark then.
   */
  unmarked(id: number, streams: readonly OutputStream[]): Promise<void> | undefined {
    const run = this.run;
    if (this.owner !== id || !run) return undefined;
    for (const s of streams) run.ended[s] = true;
    run.frame ??= '';
    return new Promise((resolve) => {
      run.done = () => resolve();
      if (run.ended.stdout && run.ended.stderr) {
        this.run = undefined;
        resolve();
      }
    });
  }

  /** The runner is gone: no mark will come. */
  abort(): void {
    this.run = undefined;
    this.owner = undefined;
    this.retired = true;
  }

  private push(stream: OutputStream, chunk: string): void {
    const run = this.run;
    if (!run || (run.ended[stream] && (stream === 'stderr' || run.frame !== undefined))) {
      this.onStray(stream, chunk.length);
      return;
    }
    let after: string;
    if (run.ended[stream]) after = chunk; // more of the frame after stdout's mark
    else {
      const text = this.held[stream] + chunk;
      const cut = splitAtMark(text, run.mark);
      this.held[stream] = cut.held;
      if (cut.before) run.onOutput(stream, cut.before);
      if (cut.after === undefined) return;
      run.ended[stream] = true;
      after = cut.after;
    }
    if (stream === 'stderr') {
      if (after) this.onStray(stream, after.length);
    } else {
      const trailer = run.trailer + after;
      const nl = trailer.indexOf('\n');
      if (nl < 0) run.trailer = trailer;
      else {
        run.frame = trailer.slice(0, nl);
        run.trailer = '';
        if (nl + 1 < trailer.length) this.onStray(stream, trailer.length - nl - 1);
      }
    }
    if (run.ended.stderr && run.frame !== undefined) {
      this.run = undefined;
      run.done(run.frame);
    }
  }
}
