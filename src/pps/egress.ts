// Egress: a pipeline's `egress.URL` (s3://bucket/prefix) receives the files of
// each job's output after the user code has finished and before the job is
// marked successful; if any file cannot be written, the job fails with the S3
// error. Each file goes to a deterministic key, the URL's prefix joined with
// its path ("/a/b.txt" → "prefix/a/b.txt"), so running egress again (a job
// resumed after a daemon restart, or the same output run again) overwrites the
// same objects and never duplicates them. Objects under the prefix that the
// output no longer has are left where they are, as Pachyderm does: egress
// writes, it never deletes (the prefix may hold data that is not ours).
// The pipeline system never builds S3 clients itself: the daemon injects a
// sink factory (built on the storage layer) in PpsDeps.
import { isTuskError, EgressFailed } from '../errors/index.js';
import type { FileEntry, TreeId } from '../tree/index.js';
import type { PpsContext } from './pps-context.js';

/** Where egress writes: one S3 prefix. */
export interface EgressSink {
  /**
   * Writes the object at `key` (a file path without its leading '/') under the
   * sink's prefix, replacing any object there; the stream is read once. Throws
   * a TuskError (StorageRejected, StorageUnavailable) that says what S3 answered.
   */
  put(key: string, data: AsyncIterable<Uint8Array>): Promise<void>;
  /** Releases connections. */
  close(): void;
}

/** Opens a sink for an egress URL; throws a TuskError for a URL it cannot serve. */
export type EgressSinkFactory = (url: string) => EgressSink;

export interface EgressSource {
  files: AsyncIterable<FileEntry>;
  read(entry: FileEntry): AsyncIterable<Uint8Array>;
}

/** Files written at once (each large one is itself uploaded in parallel parts by the sink: 2 parts of 8 MiB for S3, so at most 64 MiB in flight). */
export const EGRESS_CONCURRENCY = 4;

/**
 * Copies every file of `source` to `sink` under its path, at most `concurrency`
 * at once; stops at the first failure, once the files in flight have settled,
 * and throws EgressFailed naming the URL, the file and S3's answer.
 */
export async function copyToSink(url: string, source: EgressSource, sink: EgressSink, concurrency = EGRESS_CONCURRENCY): Promise<{ files: number; bytes: number }> {
  const iterator = source.files[Symbol.asyncIterator]();
  // The lanes share one iterator: each call waits for the one before it.
  let chain: Promise<unknown> = Promise.resolve();
  const take = (): Promise<IteratorResult<FileEntry>> => {
    const result = chain.then(() => iterator.next());
    chain = result.catch(() => undefined);
    return result;
  };
  let files = 0;
  let bytes = 0;
  let failure: EgressFailed | undefined;
  const lane = async (): Promise<void> => {
    while (!failure) {
      let next: IteratorResult<FileEntry>;
      try {
        next = await take();
      } catch (err) {
        failure ??= new EgressFailed(url, `reading the output: ${reasonOf(err)}`);
        return;
      }
      if (next.done || failure) return;
      const entry = next.value;
      try {
        await sink.put(entry.path.slice(1), source.read(entry));
        files++;
        bytes += entry.size;
      } catch (err) {
        // Storage errors name the key already ("a/b.txt: AccessDenied, HTTP 403: ...").
        failure ??= new EgressFailed(url, isTuskError(err) && typeof err.data.reason === 'string' ? err.data.reason : `${entry.path}: ${reasonOf(err)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane));
  if (failure) {
    await iterator.return?.();
    throw failure;
  }
  return { files, bytes };
}

/**
 * Runs a job's egress to `url` from its output tree `root`. Returns the reason
 * the job fails with, or undefined when every file was written. Progress and
 * the outcome go to the job's log.
 */
export async function egressJob(ctx: PpsContext, job: { pipeline: string; id: string }, url: string, root: TreeId): Promise<string | undefined> {
  const say = (message: string) => ctx.deps.logs.append([{ time: ctx.now(), pipeline: job.pipeline, job: job.id, datum: '', stream: 'system', message }]);
  const factory = ctx.deps.egress;
  if (!factory) return `egress to ${url} is not available in this daemon`;
  let sink: EgressSink;
  try {
    sink = factory(url);
  } catch (err) {
    return new EgressFailed(url, reasonOf(err)).message;
  }
  const started = Date.now();
  try {
    const tree = ctx.deps.tree;
    const content = ctx.deps.content;
    const done = await copyToSink(url, { files: tree.scan(root), read: (entry) => content.read(entry.content) }, sink);
    ctx.deps.log('info', 'egress_done', { pipeline: job.pipeline, job: job.id, url, ...done, ms: Date.now() - started });
    await say(`egress: wrote ${done.files} file(s), ${done.bytes} bytes, to ${url}`);
    return undefined;
  } catch (err) {
    const reason = err instanceof EgressFailed ? err.message : new EgressFailed(url, reasonOf(err)).message;
    ctx.deps.log('warn', 'egress_failed', { pipeline: job.pipeline, job: job.id, url, reason });
    return reason;
  } finally {
    sink.close();
  }
}

function reasonOf(err: unknown): string {
  if (isTuskError(err) && typeof err.data.reason === 'string') return err.data.reason;
  return err instanceof Error ? err.message : String(err);
}
