// The one table that turns Tusk's errors into S3 errors: an S3 code and HTTP
// status for each TuskError code the gateway can meet, then a fallback per
// error kind. Gateway errors (src/errors/s3.ts) already carry S3 codes.
import { toTuskError, type ErrorKind, type TuskError } from '../../errors/index.js';
import { renderXml } from './xml.js';

export interface S3ErrorInfo {
  code: string;
  status: number;
}

const BY_CODE: Record<string, S3ErrorInfo> = {
  // The gateway's own (src/errors/s3.ts)
  AccessDenied: { code: 'AccessDenied', status: 403 },
  SignatureDoesNotMatch: { code: 'SignatureDoesNotMatch', status: 403 },
  InvalidAccessKeyId: { code: 'InvalidAccessKeyId', status: 403 },
  RequestTimeTooSkewed: { code: 'RequestTimeTooSkewed', status: 403 },
  InvalidBucketName: { code: 'InvalidBucketName', status: 400 },
  InvalidArgument: { code: 'InvalidArgument', status: 400 },
  InvalidRequest: { code: 'InvalidRequest', status: 400 },
  InvalidRange: { code: 'InvalidRange', status: 416 },
  InvalidPart: { code: 'InvalidPart', status: 400 },
  InvalidPartOrder: { code: 'InvalidPartOrder', status: 400 },
  EntityTooSmall: { code: 'EntityTooSmall', status: 400 },
  MalformedXML: { code: 'MalformedXML', status: 400 },
  BadDigest: { code: 'BadDigest', status: 400 },
  XAmzContentSHA256Mismatch: { code: 'XAmzContentSHA256Mismatch', status: 400 },
  IncompleteBody: { code: 'IncompleteBody', status: 400 },
  MissingContentLength: { code: 'MissingContentLength', status: 411 },
  KeyTooLongError: { code: 'KeyTooLongError', status: 400 },
  AuthorizationHeaderMalformed: { code: 'AuthorizationHeaderMalformed', status: 400 },
  PreconditionFailed: { code: 'PreconditionFailed', status: 412 },
  NoSuchUpload: { code: 'NoSuchUpload', status: 404 },
  NotImplemented: { code: 'NotImplemented', status: 501 },
  MethodNotAllowed: { code: 'MethodNotAllowed', status: 405 },
  // PFS
  RepoNotFound: { code: 'NoSuchBucket', status: 404 },
  BranchNotFound: { code: 'NoSuchBucket', status: 404 },
  CommitNotFound: { code: 'NoSuchBucket', status: 404 },
  FileNotFound: { code: 'NoSuchKey', status: 404 },
  NotAFile: { code: 'InvalidArgument', status: 400 }, // a put where a directory is, or under a file
  InvalidPath: { code: 'InvalidArgument', status: 400 },
  InvalidName: { code: 'InvalidBucketName', status: 400 },
  InvalidRef: { code: 'InvalidBucketName', status: 400 },
  BranchExists: { code: 'BucketAlreadyOwnedByYou', status: 409 },
  RepoExists: { code: 'BucketAlreadyOwnedByYou', status: 409 },
  CommitFinished: { code: 'AccessDenied', status: 403 },
  BranchHasOpenCommit: { code: 'OperationAborted', status: 409 },
  InUse: { code: 'OperationAborted', status: 409 },
  // Storage
  CorruptObject: { code: 'InternalError', status: 500 },
  StorageUnavailable: { code: 'ServiceUnavailable', status: 503 },
};

const BY_KIND: Record<ErrorKind, S3ErrorInfo> = {
  not_found: { code: 'NoSuchKey', status: 404 },
  already_exists: { code: 'BucketAlreadyOwnedByYou', status: 409 },
  invalid_argument: { code: 'InvalidArgument', status: 400 },
  failed_precondition: { code: 'InvalidRequest', status: 400 },
  data_loss: { code: 'InternalError', status: 500 },
  unavailable: { code: 'ServiceUnavailable', status: 503 },
  deadline_exceeded: { code: 'RequestTimeout', status: 400 },
  aborted: { code: 'OperationAborted', status: 409 },
  unauthenticated: { code: 'AccessDenied', status: 403 },
  permission_denied: { code: 'AccessDenied', status: 403 },
  internal: { code: 'InternalError', status: 500 },
};

export function s3ErrorOf(err: TuskError): S3ErrorInfo {
  return BY_CODE[err.code] ?? BY_KIND[err.kind] ?? BY_KIND.internal;
}

/** The status, S3 code and XML body for anything thrown while serving a request. */
export function renderError(thrown: unknown, resource: string, requestId: string): { status: number; code: string; body: string; error: TuskError } {
  const error = toTuskError(thrown);
  const info = s3ErrorOf(error);
  const message = info.status >= 500 && error.kind === 'internal' ? 'We encountered an internal error. Please try again.' : error.message;
  const body = renderXml('Error', { Code: info.code, Message: message, Resource: resource, RequestId: requestId }, false);
  return { status: info.status, code: info.code, body, error };
}
