// Reading an S3 object's body to its end over connections that drop: when
// the body fails with a transient error (throttling, 5xx, a dropped or reset
// connection: classifyS3Error), a ranged GET goes on from the next byte, up to
// the retry policy's tries in a row without progress. Shared by the object
// store (S3Store.get) and S3 ingest (S3Source.read).
import { backoffDelay, type RetryPolicy } from './retry.js';
import { classifyS3Error } from './s3-errors.js';

export interface GetAnswer {
  Body?: unknown;
  ContentLength?: number;
}

/**
 * The bytes of `first` (the answer to a GET from byte 0), resumed with
 * `open(offset)` (a GET with `Range: bytes=offset-`) after transient failures.
 * Errors from outside S3 and the network pass unchanged; any other failure,
 * or the last transient one, becomes `fail(err, failures)`.
 */
export async function* resumeBody(first: GetAnswer, open: (offset: number) => Promise<GetAnswer>, policy: RetryPolicy, fail: (err: unknown, failures: number) => Error): AsyncGenerator<Uint8Array> {
  const total = first.ContentLength;
  let answer = first;
  let offset = 0;
  let failures = 0;
  for (;;) {
    const body = answer.Body as AsyncIterable<Uint8Array> | undefined;
    if (!body) return;
    try {
      for await (const piece of body) {
        offset += piece.length;
        failures = 0;
        yield piece;
      }
      return;
    } catch (err) {
      const kind = classifyS3Error(err);
      if (kind === 'other') throw err;
      if (kind !== 'transient' || ++failures >= policy.attempts) throw fail(err, Math.max(1, failures));
      if (total !== undefined && offset >= total) return;
      await policy.sleep(backoffDelay(policy, failures));
      answer = await open(offset);
    }
  }
}
