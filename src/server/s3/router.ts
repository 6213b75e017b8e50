// Which S3 operation a request is: by method, whether it names a bucket and a
// key, and its sub-resource query parameters. Anything else is
// NotImplemented (an S3 feature we do not offer) or MethodNotAllowed.
import { S3Unsupported } from '../../errors/index.js';
import type { Operation } from './context.js';
import { listBuckets } from './ops/list-buckets.js';
import { createBucket } from './ops/create-bucket.js';
import { deleteBucket } from './ops/delete-bucket.js';
import { headBucket } from './ops/head-bucket.js';
import { getBucketLocation } from './ops/get-bucket-location.js';
import { getBucketVersioning } from './ops/get-bucket-versioning.js';
import { listObjects } from './ops/list-objects.js';
import { getObject } from './ops/get-object.js';
import { putObject } from './ops/put-object.js';
import { copyObject } from './ops/copy-object.js';
import { deleteObject } from './ops/delete-object.js';
import { deleteObjects } from './ops/delete-objects.js';
import { createMultipartUpload } from './ops/create-multipart-upload.js';
import { uploadPart } from './ops/upload-part.js';
import { uploadPartCopy } from './ops/upload-part-copy.js';
import { completeMultipartUpload } from './ops/complete-multipart-upload.js';
import { abortMultipartUpload } from './ops/abort-multipart-upload.js';
import { listParts } from './ops/list-parts.js';
import { listMultipartUploads } from './ops/list-multipart-uploads.js';

/** Every operation the gateway serves, by the name route() gives it (the access table has one entry each). */
export const S3_OPERATIONS = [
  'ListBuckets', 'CreateBucket', 'DeleteBucket', 'HeadBucket', 'GetBucketLocation', 'GetBucketVersioning', 'ListObjects', 'ListObjectsV2',
  'ListMultipartUploads', 'GetObject', 'HeadObject', 'ListParts', 'PutObject', 'DeleteObject', 'DeleteObjects',
  'CreateMultipartUpload', 'UploadPart', 'CompleteMultipartUpload', 'AbortMultipartUpload', 'CopyObject', 'UploadPartCopy',
] as const;
export type S3OperationName = (typeof S3_OPERATIONS)[number];

export interface Route {
  name: S3OperationName;
  op: Operation;
}

/** Sub-resources S3 has and we do not: named in the NotImplemented message. */
const UNSUPPORTED = ['acl', 'policy', 'tagging', 'lifecycle', 'cors', 'website', 'logging', 'notification', 'replication', 'encryption', 'object-lock', 'retention', 'legal-hold', 'torrent', 'restore', 'select', 'analytics', 'metrics', 'inventory', 'accelerate', 'requestPayment', 'ownershipControls', 'publicAccessBlock', 'intelligent-tiering', 'attributes', 'versions', 'policyStatus'];

export function route(method: string, bucket: string, key: string, query: URLSearchParams, headers: Record<string, unknown>): Route {
  const unsupported = UNSUPPORTED.find((s) => query.has(s));
  if (unsupported) throw new S3Unsupported('NotImplemented', `the "${unsupported}" sub-resource is not implemented by the Tusk S3 gateway`);
  if (!bucket) {
    if (method === 'GET' || method === 'HEAD') return { name: 'ListBuckets', op: listBuckets };
    throw notAllowed(method, 'the service');
  }
  if (!key) {
    switch (method) {
      case 'GET':
        if (query.has('location')) return { name: 'GetBucketLocation', op: getBucketLocation };
        if (query.has('versioning')) return { name: 'GetBucketVersioning', op: getBucketVersioning };
        if (query.has('uploads')) return { name: 'ListMultipartUploads', op: listMultipartUploads };
        return { name: query.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects', op: listObjects };
      case 'HEAD':
        return { name: 'HeadBucket', op: headBucket };
      case 'PUT':
        // Not a CreateBucket: that would make the branch and answer 200, as if versioning were now on.
        if (query.has('versioning')) throw new S3Unsupported('NotImplemented', 'bucket versioning is not implemented: a bucket is a branch, and its history is its commits (COMMITID.REPO buckets)');
        return { name: 'CreateBucket', op: createBucket };
      case 'DELETE':
        return { name: 'DeleteBucket', op: deleteBucket };
      case 'POST':
        if (query.has('delete')) return { name: 'DeleteObjects', op: deleteObjects };
        throw new S3Unsupported('NotImplemented', 'POST object uploads (browser forms) are not implemented');
      default:
        throw notAllowed(method, 'a bucket');
    }
  }
  switch (method) {
    case 'GET':
      if (query.has('uploadId')) return { name: 'ListParts', op: listParts };
      return { name: 'GetObject', op: getObject };
    case 'HEAD':
      return { name: 'HeadObject', op: getObject };
    case 'PUT':
      if (query.has('partNumber') || query.has('uploadId')) {
        if (headers['x-amz-copy-source']) return { name: 'UploadPartCopy', op: uploadPartCopy };
        return { name: 'UploadPart', op: uploadPart };
      }
      if (headers['x-amz-copy-source']) return { name: 'CopyObject', op: copyObject };
      return { name: 'PutObject', op: putObject };
    case 'POST':
      if (query.has('uploads')) return { name: 'CreateMultipartUpload', op: createMultipartUpload };
      if (query.has('uploadId')) return { name: 'CompleteMultipartUpload', op: completeMultipartUpload };
      throw new S3Unsupported('NotImplemented', 'this POST on an object is not implemented');
    case 'DELETE':
      if (query.has('uploadId')) return { name: 'AbortMultipartUpload', op: abortMultipartUpload };
      return { name: 'DeleteObject', op: deleteObject };
    default:
      throw notAllowed(method, 'an object');
  }
}

function notAllowed(method: string, what: string): S3Unsupported {
  return new S3Unsupported('MethodNotAllowed', `the method ${method} is not allowed against ${what}`);
}
