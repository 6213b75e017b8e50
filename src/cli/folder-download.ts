// `get file -r` over one call: the daemon streams every file under the folder
// (GetFiles), and each file is written to a temporary file beside its place,
// made durable, and only then renamed into place, as `get file -o` does for one
// file. While a few files are being made durable (fsync, close, rename), the
// next ones already arrive. Files too large to come inline are fetched with a
// call each (a daemon on this machine writes those itself), a few at once.
// Memory stays bounded: one message at a time, the call's flow control holding
// the daemon back while files are written.
import { rmSync } from 'node:fs';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { InternalError } from '../errors/index.js';
import { localError } from './local-files.js';

/** Files made durable and renamed at once while the next ones arrive. */
const FINISHING_AT_ONCE = 8;
/** Skipped (large) files fetched with calls of their own at once. */
const ALONE_AT_ONCE = 4;

/** One message of GetFiles (see the client's getFiles). */
export interface FolderMessage {
  path: string;
  size: number;
  data: Uint8Array;
  skipped: boolean;
}

export interface FolderDownload {
  messages: AsyncIterable<FolderMessage>;
  /** The local path of the folder's file `path`. */
  place(path: string): string;
  /** Fetches a file that came skipped, with a call of its own, to `dest`. */
  fetchAlone(path: string, dest: string): Promise<void>;
  /** Bytes written (for a progress bar). */
  onBytes?(bytes: number): void;
}

/** A file being received: its temporary file and the bytes still to come. */
interface Receiving {
  dest: string;
  temp: string;
  fh: FileHandle;
  left: number;
}

/**
 * Writes every file the messages carry into its place. On a failure (the
 * call's, or a local one) the file being received is removed, the files under
 * way are finished or removed, and the first failure is thrown: no file is ever
 * under its final name with part of its bytes.
 */
export async function downloadFolder(d: FolderDownload): Promise<void> {
  const temps = new Set<string>(); // not yet renamed: removed on Ctrl-C
  const folders = new Set<string>();
  const finishing = new Limited(FINISHING_AT_ONCE);
  const alone = new Limited(ALONE_AT_ONCE);
  let current: Receiving | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    try {
      for (const temp of temps) rmSync(temp, { force: true });
    } finally {
      process.kill(process.pid, signal);
    }
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const folder = async (dir: string) => {
    if (folders.has(dir)) return;
    await mkdir(dir, { recursive: true }).catch((err) => {
      throw localError(dir, err);
    });
    folders.add(dir);
  };
  try {
    for await (const msg of d.messages) {
      if (msg.path) {
        if (current) throw cutShort(current.dest);
        const dest = d.place(msg.path);
        await folder(dirname(dest));
        if (msg.skipped) {
          await alone.start(() => d.fetchAlone(msg.path, dest));
          continue;
        }
        const temp = `${dest}.tusk-partial-${process.pid}`;
        const fh = await open(temp, 'w').catch((err) => {
          throw localError(dest, err);
        });
        temps.add(temp);
        current = { dest, temp, fh, left: msg.size };
      } else if (!current) throw new InternalError('the daemon sent file bytes without naming their file');
      await writeAll(current, msg.data);
      d.onBytes?.(msg.data.length);
      if (current.left < 0) throw new InternalError(`the daemon sent more bytes than ${current.dest} has`);
      if (current.left === 0) {
        const done = current;
        current = undefined;
        await finishing.start(() => finish(done).finally(() => temps.delete(done.temp)));
      }
    }
    if (current) throw cutShort(current.dest);
    await finishing.end();
    await alone.end();
  } catch (err) {
    if (current) {
      await current.fh.close().catch(() => undefined);
      await rm(current.temp, { force: true });
      temps.delete(current.temp);
    }
    await finishing.settle();
    await alone.settle();
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function cutShort(dest: string): InternalError {
  return new InternalError(`the daemon's stream ended before all of ${dest} came`);
}

async function writeAll(r: Receiving, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length; ) {
    const { bytesWritten } = await r.fh.write(bytes, at, bytes.length - at).catch((err) => {
      throw localError(r.dest, err);
    });
    at += bytesWritten;
  }
  r.left -= bytes.length;
}

/** Makes a whole file durable (as `cp` and then `sync` would), then renames it into place; removes it on failure. */
async function finish(r: Receiving): Promise<void> {
  try {
    try {
      await r.fh.sync();
    } finally {
      await r.fh.close();
    }
    await rename(r.temp, r.dest);
  } catch (err) {
    await rm(r.temp, { force: true });
    throw localError(r.dest, err);
  }
}

/** Runs up to `width` tasks at once and keeps the first failure. */
class Limited {
  private readonly running = new Set<Promise<void>>();
  private failure?: { err: unknown };

  constructor(private readonly width: number) {}

  /** Starts `task` once fewer than `width` run; throws the first failure of a task so far instead. */
  async start(task: () => Promise<void>): Promise<void> {
    while (this.running.size >= this.width) await Promise.race(this.running);
    if (this.failure) throw this.failure.err;
    const run: Promise<void> = task()
      .catch((err: unknown) => {
        this.failure ??= { err };
      })
      .finally(() => this.running.delete(run));
    this.running.add(run);
  }

  /** Waits for every task; throws the first failure. */
  async end(): Promise<void> {
    await this.settle();
    if (this.failure) throw this.failure.err;
  }

  /** Waits for every task. */
  async settle(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running);
  }
}
