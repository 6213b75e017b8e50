// Emptying freed slot folders in bulk. A finished datum leaves files in its
// slot folder (its inputs in in/<input>/, its output in out/). Freed folders
// are gathered for up to GATHER_MS (or until BATCH of them wait) and emptied
// together on a thread of their own (cleaner-thread.ts): one round trip per
// batch, none per file, and a huge output being removed does not hold up the
// event loop. A folder comes back empty except for its in/<input> folders
// (kept, so the next datum need not create them again), or as failed.
import { CleanerThread, type Cleaned, type DirtySlot } from './cleaner-thread.js';

/** Folders waiting this many milliseconds at most before a batch is sent. */
const GATHER_MS = 50;
/** A batch goes at once when this many folders wait. */
const BATCH = 16;

interface Waiting {
  dir: DirtySlot;
  done(result: Cleaned): void;
}

export class SlotCleaner {
  private readonly thread = new CleanerThread();
  private gathered: Waiting[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** A batch is being emptied; the next one waits for it. */
  private busy = false;
  private closed = false;

  /** Resolves once the folder is emptied (or could not be). */
  clean(dir: DirtySlot): Promise<Cleaned> {
    if (this.closed) return Promise.resolve({ failed: 'the slot cleaner is closed' });
    return new Promise((done) => {
      this.gathered.push({ dir, done });
      this.schedule();
    });
  }

  /** Stops the thread; folders still waiting come back as failed. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const w of this.gathered.splice(0)) w.done({ failed: 'the slot cleaner is closed' });
    await this.thread.close();
  }

  private schedule(): void {
    if (this.busy || this.gathered.length === 0) return;
    if (this.gathered.length >= BATCH) this.send();
    else this.timer ??= setTimeout(() => this.send(), GATHER_MS);
  }

  private send(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.busy || this.gathered.length === 0) return;
    const batch = this.gathered.splice(0);
    this.busy = true;
    void this.thread.empty(batch.map((w) => w.dir)).then((results) => {
      this.busy = false;
      batch.forEach((w, i) => w.done(results[i] ?? { failed: 'no result from the file thread' }));
      this.schedule();
    });
  }
}
