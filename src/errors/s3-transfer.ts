// Errors of copies between Tusk and S3 endpoints outside it: `put file -f
// s3://...` reading from a bucket (a missing bucket or key, a refused or failed
// read) and pipeline egress writing a job's output to one. Each message names
// the s3:// URL the user gave.
import { FailedPrecondition } from './failed-precondition.js';
import { NotFound } from './not-found.js';
import { TuskError } from './tusk-error.js';

/** The bucket, or the key (or prefix), that an s3:// URL names does not exist. */
export class S3SourceNotFound extends NotFound {
  constructor(readonly url: string, readonly missing: 'bucket' | 'key', detail: string) {
    super('S3SourceNotFound', `${url}: ${detail}`, { url, missing });
  }
}

/** Reading from an S3 endpoint failed: refused (access denied, bad request) or unreachable after retries. */
export class S3TransferFailed extends TuskError {
  constructor(readonly url: string, readonly reason: string, transient: boolean, options?: { cause?: unknown }) {
    super(transient ? 'unavailable' : 'failed_precondition', 'S3TransferFailed', `${url}: ${reason}`, { url, reason }, options);
  }
}

/** A job's output could not be written to its pipeline's egress URL; the job fails with this message. */
export class EgressFailed extends FailedPrecondition {
  constructor(readonly url: string, readonly reason: string) {
    super('EgressFailed', `egress to ${url} failed: ${reason}`, { url, reason });
  }
}
