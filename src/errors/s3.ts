// Errors that only the S3 gateway raises: requests refused by authentication,
// requests S3 itself would call malformed, unknown multipart uploads and
// operations the gateway does not offer. Their codes are S3's own error codes,
// so the gateway's one table passes them through unchanged.
import { NotFound } from './not-found.js';
import { InvalidArgument } from './invalid-argument.js';
import { TuskError } from './tusk-error.js';

export type S3DeniedCode = 'AccessDenied' | 'SignatureDoesNotMatch' | 'InvalidAccessKeyId' | 'RequestTimeTooSkewed';

/** The request's credentials are missing, unknown, wrong or stale; or it writes to a read-only bucket. */
export class S3Denied extends TuskError {
  constructor(readonly s3Code: S3DeniedCode, message: string, data: Record<string, unknown> = {}) {
    super('failed_precondition', s3Code, message, data);
  }
}

export type S3InvalidCode =
  | 'InvalidBucketName'
  | 'InvalidArgument'
  | 'InvalidRequest'
  | 'InvalidRange'
  | 'InvalidPart'
  | 'InvalidPartOrder'
  | 'EntityTooSmall'
  | 'MalformedXML'
  | 'BadDigest'
  | 'XAmzContentSHA256Mismatch'
  | 'IncompleteBody'
  | 'MissingContentLength'
  | 'KeyTooLongError'
  | 'AuthorizationHeaderMalformed'
  | 'PreconditionFailed';

/** A request S3 would refuse as malformed or inconsistent (bad XML, bad digest, parts out of order...). */
export class S3Invalid extends InvalidArgument {
  constructor(readonly s3Code: S3InvalidCode, message: string, data: Record<string, unknown> = {}) {
    super(s3Code, message, data);
  }
}

export class NoSuchUpload extends NotFound {
  constructor(readonly uploadId: string) {
    super('NoSuchUpload', `multipart upload "${uploadId}" does not exist (completed, aborted or never created)`, { uploadId });
  }
}

/** An S3 operation or HTTP method the gateway does not offer. */
export class S3Unsupported extends TuskError {
  constructor(readonly s3Code: 'NotImplemented' | 'MethodNotAllowed', message: string) {
    super('failed_precondition', s3Code, message);
  }
}
