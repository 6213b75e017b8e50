// Emptying slot folders on a thread of its own. Removing a finished datum's
// files on the event loop could wait a millisecond or more per file for the
// file system's journal while other processes sync, and through the thread
// pool each file cost two wake-ups of other threads, each a chance for the
// sidecar to be preempted on a busy machine. Here one message carries a batch
// of folders and one answer comes back; the thread makes the synchronous
// calls. Batches are answered in order.
import { Worker } from 'node:worker_threads';

/** A freed slot folder: its path and the input folders to keep (emptied) under in/. */
export interface DirtySlot {
  path: string;
  keep: readonly string[];
  /** Every entry of out/, when all are files (as listed when they were moved there): removed without listing out/. */
  outFiles?: readonly string[];
}

/** What became of a slot folder: emptied, with the input folders kept under in/; or failed. */
export type Cleaned = { kept: string[] } | { failed: string };

interface FsCalls {
  readdirSync(path: string, options: { withFileTypes: true }): { name: string; isDirectory(): boolean }[];
  rmSync(path: string, options: { recursive: true; force: true }): void;
  unlinkSync(path: string): void;
}

/**
 * Empties each slot folder with synchronous calls (on the thread; a plain function without
 * closures, as its source is what the thread runs): out/ loses everything, in/ keeps only the
 * folders named in `keep`, emptied. A folder that cannot be emptied fails alone.
 */
export function emptySlots(fs: FsCalls, dirs: readonly DirtySlot[]): Cleaned[] {
  const results: Cleaned[] = [];
  for (const dir of dirs) {
    try {
      const out = dir.path + '/out';
      let emptied = false;
      if (dir.outFiles) {
        try {
          for (const name of dir.outFiles) fs.unlinkSync(out + '/' + name);
          emptied = true;
        } catch {
          // Not as listed: out/ is listed and emptied below.
        }
      }
      for (const entry of emptied ? [] : fs.readdirSync(out, { withFileTypes: true })) {
        if (entry.isDirectory()) fs.rmSync(out + '/' + entry.name, { recursive: true, force: true });
        else fs.unlinkSync(out + '/' + entry.name);
      }
      const kept: string[] = [];
      const inputs = dir.path + '/in';
      for (const entry of fs.readdirSync(inputs, { withFileTypes: true })) {
        const path = inputs + '/' + entry.name;
        if (!entry.isDirectory() || !dir.keep.includes(entry.name)) {
          fs.rmSync(path, { recursive: true, force: true });
          continue;
        }
        for (const inner of fs.readdirSync(path, { withFileTypes: true })) {
          if (inner.isDirectory()) fs.rmSync(path + '/' + inner.name, { recursive: true, force: true });
          else fs.unlinkSync(path + '/' + inner.name);
        }
        kept.push(entry.name);
      }
      results.push({ kept });
    } catch (err) {
      results.push({ failed: String((err as Error)?.message ?? err) });
    }
  }
  return results;
}

const THREAD_SOURCE = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const emptySlots = ${emptySlots.toString()};
parentPort.on('message', (dirs) => parentPort.postMessage(emptySlots(fs, dirs)));
`;

/** One thread emptying batches of slot folders; started on first use, restarted if it dies. */
export class CleanerThread {
  private worker: Worker | undefined;
  private readonly pending: ((results: Cleaned[] | Error) => void)[] = [];
  private closed = false;

  /** Settles with one result per folder (every one failed if the thread cannot run). */
  empty(dirs: readonly DirtySlot[]): Promise<Cleaned[]> {
    if (this.closed) return Promise.resolve(dirs.map(() => ({ failed: 'the cleaner thread is closed' })));
    const worker = this.start();
    return new Promise((resolve) => {
      this.pending.push((results) => resolve(results instanceof Error ? dirs.map(() => ({ failed: results.message })) : results));
      if (this.pending.length === 1) worker.ref();
      worker.postMessage(dirs);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
    this.fail(new Error('the cleaner thread is closed'));
  }

  private fail(err: Error): void {
    for (const settle of this.pending.splice(0)) settle(err);
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(THREAD_SOURCE, { eval: true });
    worker.unref();
    worker.on('message', (results: Cleaned[]) => {
      const settle = this.pending.shift();
      if (this.pending.length === 0) worker.unref();
      settle?.(results);
    });
    worker.on('error', (err) => {
      if (this.worker === worker) this.worker = undefined;
      this.fail(new Error(`the cleaner thread failed: ${err.message}`));
    });
    // A thread gone without an error is never posted to again (the next batch starts a new one).
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = undefined;
      this.fail(new Error(`the cleaner thread exited with code ${code}`));
    });
    this.worker = worker;
    return worker;
  }
}
