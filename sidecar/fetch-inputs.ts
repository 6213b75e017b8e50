// Materialising a datum's inputs: every file of every input goes to
// `<dir>/<input name>/<its full path in the repo>`, read from the daemon with
// getFile(`repo@commit:/path`) and written to disk as it streams in, a few
// files at a time (the Limit is shared by all datums being prepared). Files
// the coordinator sent inline (small ones) are written without a fetch.
// `empty_files` inputs get the files created empty without fetching anything.
// Those two are written with synchronous calls: a file of a few bytes takes
// microseconds to write, where three trips through the thread pool (open,
// write, close) cost several times that in CPU per file. They are written
// into a spare file of an earlier datum when there is one (SpareFiles): on an
// ext4 without a journal, every new file costs a scan past each file deleted
// in the last seconds, which made creating and deleting one input file per
// datum the largest CPU cost of a trivial datum.
// `lazy` inputs are fetched like any other: Tusk's local runtime has no lazy
// (fetch-on-open) file system, so lazy behaves as non-lazy.
import { closeSync, constants, createWriteStream, fstatSync, ftruncateSync, openSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { checkInputName, inputFileTarget } from './paths.js';
import type { DatumInput } from '../src/worker-protocol/index.js';
import type { Limit } from './serial.js';

/** Where file bytes come from (TuskClient.getFile). */
export interface FileSource {
  getFile(file: string): AsyncIterable<Uint8Array>;
}

/** Files of earlier datums to write small inputs into instead of creating new ones (their bytes are replaced). */
export interface SpareFiles {
  /**
   * A spare file's path, now no longer spare, for the file at `target`; undefined when there is none. A spare
   * that is at `target` already must be the one given (renaming another one there would delete it).
   */
  take(target: string): string | undefined;
}

/** Files up to this size are gathered and written in one call; larger ones are streamed. */
const SMALL_FILE = 256 * 1024;

/** Fetches `inputs` into `dir`; `made` holds folders known to exist already (and learns the ones created). */
export async function fetchInputs(
  source: FileSource,
  limit: Limit,
  dir: string,
  inputs: readonly DatumInput[],
  made = new Set<string>(),
  spares?: SpareFiles,
): Promise<{ files: number; bytes: number }> {
  const ensureDir = async (path: string) => {
    await mkdir(path, { recursive: true });
    made.add(path);
  };
  let files = 0;
  let bytes = 0;
  let written = 0;
  const jobs: Promise<void>[] = [];
  for (const input of inputs) {
    checkInputName(input.name);
    // A folder known to exist is not awaited (an await costs turns of the microtask queue, per file).
    const folder = join(dir, input.name);
    if (!made.has(folder)) await ensureDir(folder);
    for (const file of input.files) {
      const target = inputFileTarget(dir, input.name, file.path);
      const parent = dirname(target);
      if (!made.has(parent)) await ensureDir(parent);
      files++;
      if (input.emptyFiles || file.data !== undefined) {
        const data = input.emptyFiles ? EMPTY : Buffer.from(file.data!, 'base64');
        bytes += data.length;
        const failed = writeNow(target, data, spares);
        if (failed) jobs.push(failed);
        // Yield now and then, so thousands of small files do not hold up every other request.
        if (++written % 64 === 0) await new Promise((r) => setImmediate(r));
        continue;
      }
      const job = limit.run(async () => {
        bytes += await download(source.getFile(`${input.repo}@${input.commit}:${file.path}`), target, file.sizeBytes);
      });
      job.catch(() => {}); // settled below, after the loop's awaits: not an unhandled rejection meanwhile
      jobs.push(job);
    }
  }
  if (jobs.length > 0) {
    const results = await Promise.allSettled(jobs);
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
  }
  return { files, bytes };
}

const EMPTY = Buffer.alloc(0);

/**
 * Writes a small file at once (into a spare file when there is one); undefined when written, else its failure as a
 * rejected promise (handled: fetchInputs settles it with the downloads).
 */
function writeNow(target: string, data: Uint8Array, spares?: SpareFiles): Promise<void> | undefined {
  try {
    const spare = spares?.take(target);
    if (spare === undefined || !overwrite(spare, target, data)) writeFileSync(target, data);
    return undefined;
  } catch (err) {
    const failed = Promise.reject(err as Error);
    failed.catch(() => {});
    return failed;
  }
}

/** Renames `spare` to `target` and replaces its bytes with `data`; false (nothing left at target) when it cannot. */
function overwrite(spare: string, target: string, data: Uint8Array): boolean {
  try {
    renameSync(spare, target);
  } catch {
    return false;
  }
  let fd: number | undefined;
  try {
    // Never through a symlink (a process a datum left running could have put one where a released input was),
    // and a file with another name elsewhere is not written through: its other names would change too.
    fd = openSync(target, constants.O_RDWR | constants.O_NOFOLLOW);
    const st = fstatSync(fd);
    if (!st.isFile() || st.nlink !== 1) throw new Error('not a lone regular file');
    for (let at = 0; at < data.length; ) at += writeSync(fd, data, at, data.length - at, at);
    if (st.size > data.length) ftruncateSync(fd, data.length); // a shorter or equal one was extended or overwritten whole
    return true;
  } catch {
    unlinkSync(target);
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

async function download(data: AsyncIterable<Uint8Array>, target: string, sizeBytes: number): Promise<number> {
  if (sizeBytes > SMALL_FILE) return streamTo(data, target);
  const it = data[Symbol.asyncIterator]();
  const pieces: Uint8Array[] = [];
  let n = 0;
  for (;;) {
    const next = await it.next();
    if (next.done) break;
    pieces.push(next.value);
    n += next.value.length;
    // Bigger than listed: stream the rest instead of gathering it.
    if (n > SMALL_FILE) return streamTo(resume(pieces, it), target);
  }
  await writeFile(target, pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces));
  return n;
}

async function streamTo(data: AsyncIterable<Uint8Array>, target: string): Promise<number> {
  let n = 0;
  const counted = async function* () {
    for await (const piece of data) {
      n += piece.length;
      yield piece;
    }
  };
  await pipeline(Readable.from(counted()), createWriteStream(target));
  return n;
}

async function* resume(first: Uint8Array[], rest: AsyncIterator<Uint8Array>): AsyncIterable<Uint8Array> {
  yield* first;
  for (;;) {
    const next = await rest.next();
    if (next.done) return;
    yield next.value;
  }
}
