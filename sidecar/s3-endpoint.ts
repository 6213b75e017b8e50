// The sidecar's S3 endpoint (input.pfs.s3 and s3_out, as Pachyderm's S3
// sidecar): a loopback HTTP server that serves the active datum's inputs as
// read-only buckets named after each input, and the datum's output as the
// bucket `out`, so code written against boto3, the AWS SDK or `aws s3 cp`
// runs unchanged with S3_ENDPOINT and the AWS_* credentials it is given. An
// S3 input's glob is "/" (Pachyderm requires it), so its bucket holds the whole
// input commit. Objects are the files of the datum area: what the code PUTs
// into `out` lands in $TUSK_PFS/out and becomes the datum's output like any
// file written there. Requests are checked with the S3 gateway's own SigV4
// verifier against a key pair made for this sidecar alone, bodies decoded
// (aws-chunked) and errors rendered by the gateway's code. Served: ListBuckets,
// HeadBucket, GetBucketLocation, ListObjects(V2), Get/HeadObject (one range),
// PutObject, DeleteObject and multipart uploads (Create, UploadPart, Complete,
// Abort: s3-multipart.ts) on out only.
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, stat, unlink } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { NotFound } from '../src/errors/index.js';
import { S3Denied, S3Invalid, S3Unsupported } from '../src/errors/index.js';
import { authenticate } from '../src/server/s3/auth.js';
import { requestBody } from '../src/server/s3/body.js';
import { renderError } from '../src/server/s3/error-table.js';
import { isoTime, sendEmpty, sendXml } from '../src/server/s3/respond.js';
import type { Logger } from '../src/worker-protocol/index.js';
import { SidecarMultipart } from './s3-multipart.js';

export interface S3EndpointOptions {
  /** Host path of the datum area ($TUSK_PFS). */
  pfs: string;
  /** Names of the inputs served as read-only buckets. */
  inputs: readonly string[];
  /** Serve the bucket `out` (s3_out). */
  out: boolean;
  log: Logger;
}

export interface S3Endpoint {
  /** http://127.0.0.1:PORT */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  close(): void;
}

const OUT = 'out';

export async function startS3Endpoint(o: S3EndpointOptions): Promise<S3Endpoint> {
  const accessKeyId = `TUSKSIDECAR${randomBytes(6).toString('hex').toUpperCase()}`;
  const secretAccessKey = randomBytes(24).toString('base64url');
  const keys = new Map([[accessKeyId, secretAccessKey]]);
  const multipart = new SidecarMultipart();
  const server: Server = createServer((req, res) => void handle(o, keys, multipart, req, res));
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', ok);
  });
  const port = (server.address() as AddressInfo).port;
  o.log.log('info', 'sidecar_s3_started', { port, inputs: o.inputs, out: o.out });
  return { endpoint: `http://127.0.0.1:${port}`, accessKeyId, secretAccessKey, close: () => {
    server.close();
    void multipart.close();
  } };
}

async function handle(o: S3EndpointOptions, keys: Map<string, string>, multipart: SidecarMultipart, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  res.setHeader('x-amz-request-id', requestId);
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  try {
    const pairs = parseQuery(q < 0 ? '' : url.slice(q + 1));
    const identity = authenticate(req, rawPath, pairs, { keys, anonymous: false }, new Date());
    const slash = rawPath.indexOf('/', 1);
    const bucket = decodeURIComponent(slash < 0 ? rawPath.slice(1) : rawPath.slice(1, slash));
    const key = slash < 0 ? '' : decodeURIComponent(rawPath.slice(slash + 1));
    const query = new URLSearchParams(pairs);
    const method = req.method ?? 'GET';
    if (!bucket) {
      if (method !== 'GET') throw new S3Unsupported('MethodNotAllowed', `${method} on the service is not allowed`);
      const buckets = [...o.inputs, ...(o.out ? [OUT] : [])].map((Name) => ({ Name, CreationDate: isoTime(new Date()) }));
      return sendXml(res, 200, 'ListAllMyBucketsResult', { Owner: { ID: 'tusk', DisplayName: 'tusk' }, Buckets: { Bucket: buckets } });
    }
    const root = bucketRoot(o, bucket);
    const writable = o.out && bucket === OUT;
    if (!key) {
      if (method === 'HEAD') return sendEmpty(res, 200);
      if (method !== 'GET') throw new S3Unsupported('MethodNotAllowed', `${method} on bucket "${bucket}" is not allowed`);
      if (query.has('location')) return sendXml(res, 200, 'LocationConstraint', {});
      return await list(res, bucket, root, query);
    }
    const path = keyPath(root, key);
    const uploadId = query.get('uploadId');
    if ((method === 'GET' || method === 'HEAD') && uploadId === null) return await getObject(req, res, path, key, method === 'HEAD');
    if (!writable) throw new S3Denied('AccessDenied', `bucket "${bucket}" is a read-only pipeline input${o.out ? '' : ' (and this pipeline has no s3_out)'}`);
    if (method === 'POST' && query.has('uploads')) {
      return sendXml(res, 200, 'InitiateMultipartUploadResult', { Bucket: bucket, Key: key, UploadId: multipart.create(bucket, key) });
    }
    if (uploadId !== null) {
      if (method === 'PUT' && !req.headers['x-amz-copy-source']) return sendEmpty(res, 200, { etag: await multipart.putPart(bucket, key, uploadId, query.get('partNumber'), req, identity) });
      if (method === 'POST') {
        const etag = await multipart.complete(bucket, key, uploadId, path, req, identity);
        return sendXml(res, 200, 'CompleteMultipartUploadResult', { Location: `/${bucket}/${key}`, Bucket: bucket, Key: key, ETag: etag });
      }
      if (method === 'DELETE') {
        await multipart.abort(bucket, key, uploadId);
        return sendEmpty(res, 204);
      }
      throw new S3Unsupported('NotImplemented', `${method} on a multipart upload (ListParts, UploadPartCopy) is not served by the sidecar S3 endpoint`);
    }
    if (method === 'PUT') {
      if (req.headers['x-amz-copy-source']) throw new S3Unsupported('NotImplemented', 'CopyObject is not served by the sidecar S3 endpoint');
      await mkdir(dirname(path), { recursive: true });
      if (key.endsWith('/')) return sendEmpty(res, 200);
      await pipeline(requestBody(req, identity), createWriteStream(path));
      return sendEmpty(res, 200, { etag: '"tusk"' });
    }
    if (method === 'DELETE') {
      await unlink(path).catch(() => {});
      return sendEmpty(res, 204);
    }
    throw new S3Unsupported('MethodNotAllowed', `${method} is not allowed`);
  } catch (err) {
    const { status, code, body, error } = renderError(err, rawPath, requestId);
    o.log.log(status >= 500 ? 'error' : 'debug', 'sidecar_s3_error', { method: req.method, path: rawPath, status, code, message: error.message });
    if (res.headersSent) return void res.destroy(error);
    res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body), ...(req.complete ? {} : { connection: 'close' }) });
    res.end(req.method === 'HEAD' ? undefined : body);
  }
}

function bucketRoot(o: S3EndpointOptions, bucket: string): string {
  if (o.inputs.includes(bucket)) return join(o.pfs, bucket);
  if (o.out && bucket === OUT) return join(o.pfs, OUT);
  throw new NotFound('RepoNotFound', `bucket "${bucket}" is not served here: the buckets are this pipeline's S3 inputs (${o.inputs.join(', ') || 'none'})${o.out ? ' and out' : ''}`);
}

/** The file a key names, never outside the bucket's folder. */
function keyPath(root: string, key: string): string {
  const path = resolve(root, key);
  if (path !== root && !path.startsWith(root + sep)) throw new S3Invalid('InvalidArgument', `key "${key}" leaves the bucket`);
  return path;
}

async function getObject(req: IncomingMessage, res: ServerResponse, path: string, key: string, head: boolean): Promise<void> {
  const st = await stat(path).catch(() => undefined);
  if (!st?.isFile()) throw new NotFound('FileNotFound', `no object "${key}"`);
  const headers: Record<string, string | number> = { 'content-type': 'application/octet-stream', 'last-modified': st.mtime.toUTCString(), etag: `"${st.size}-${st.mtimeMs}"`, 'accept-ranges': 'bytes' };
  const range = /^bytes=(\d*)-(\d*)$/.exec(String(req.headers.range ?? ''));
  let start = 0;
  let end = st.size - 1;
  if (range && (range[1] || range[2])) {
    if (range[1]) {
      start = Number(range[1]);
      if (range[2]) end = Math.min(end, Number(range[2]));
    } else start = Math.max(0, st.size - Number(range[2]));
    if (start >= st.size) throw new S3Invalid('InvalidRange', `range ${req.headers.range} is past the object's ${st.size} bytes`, { size: st.size });
    headers['content-range'] = `bytes ${start}-${end}/${st.size}`;
  }
  headers['content-length'] = Math.max(0, end - start + 1);
  res.writeHead(headers['content-range'] ? 206 : 200, headers);
  if (head || st.size === 0) return void res.end();
  await pipeline(createReadStream(path, { start, end }), res);
}

/** ListObjects (V1) and ListObjectsV2 over the bucket's folder, in key order, with prefix, delimiter and max-keys. */
async function list(res: ServerResponse, bucket: string, root: string, q: URLSearchParams): Promise<void> {
  const v2 = q.get('list-type') === '2';
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const maxKeys = Math.min(1000, Number(q.get('max-keys') ?? 1000));
  const after = v2 ? (q.get('continuation-token') ? Buffer.from(q.get('continuation-token')!, 'base64url').toString() : (q.get('start-after') ?? '')) : (q.get('marker') ?? '');
  const files = (await walk(root)).map((f) => ({ ...f, key: relative(root, f.path).split(sep).join('/') })).sort((a, b) => (a.key < b.key ? -1 : 1));
  const contents: { Key: string; LastModified: string; ETag: string; Size: number; StorageClass: string }[] = [];
  const prefixes = new Set<string>();
  let last = '';
  let truncated = false;
  for (const f of files) {
    if (!f.key.startsWith(prefix) || f.key <= after) continue;
    const cut = delimiter ? f.key.indexOf(delimiter, prefix.length) : -1;
    const common = cut >= 0 ? f.key.slice(0, cut + delimiter.length) : undefined;
    if (common !== undefined && (prefixes.has(common) || common <= after)) continue;
    if (contents.length + prefixes.size >= maxKeys) {
      truncated = true;
      break;
    }
    if (common !== undefined) prefixes.add(common);
    else contents.push({ Key: f.key, LastModified: isoTime(f.mtime), ETag: `"${f.size}-${f.mtime.getTime()}"`, Size: f.size, StorageClass: 'STANDARD' });
    last = common ?? f.key;
  }
  const common = { Name: bucket, Prefix: prefix, ...(delimiter ? { Delimiter: delimiter } : {}), MaxKeys: maxKeys, IsTruncated: truncated };
  const page = v2
    ? { ...common, KeyCount: contents.length + prefixes.size, ...(truncated ? { NextContinuationToken: Buffer.from(last + '\uffff').toString('base64url') } : {}) }
    : { ...common, Marker: after, ...(truncated ? { NextMarker: last } : {}) };
  sendXml(res, 200, 'ListBucketResult', { ...page, Contents: contents, CommonPrefixes: [...prefixes].map((Prefix) => ({ Prefix })) });
}

async function walk(dir: string): Promise<{ path: string; size: number; mtime: Date }[]> {
  const out: { path: string; size: number; mtime: Date }[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(path)));
    else {
      const st = await stat(path).catch(() => undefined);
      if (st?.isFile()) out.push({ path, size: st.size, mtime: st.mtime });
    }
  }
  return out;
}

function parseQuery(text: string): [string, string][] {
  if (!text) return [];
  return text.split('&').filter(Boolean).map((part) => {
    const i = part.indexOf('=');
    return i < 0 ? [decodeURIComponent(part), ''] : [decodeURIComponent(part.slice(0, i)), decodeURIComponent(part.slice(i + 1))];
  });
}
