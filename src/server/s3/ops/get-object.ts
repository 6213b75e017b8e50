// GetObject and HeadObject: a file of the bucket's tree, streamed, with
// single byte ranges (`bytes=a-b`, `bytes=a-`, suffix `bytes=-n`; past the
// end is 416 InvalidRange), the conditional headers (If-Match,
// If-None-Match, If-Modified-Since, If-Unmodified-Since), ETag = the quoted
// content hash, Last-Modified = the time of the commit shown.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { IncomingMessage } from 'node:http';
import { FileNotFound, S3Invalid } from '../../../errors/index.js';
import { keyToPath, parseBucket, readView } from '../bucket.js';
import type { Operation } from '../context.js';
import { etagOf, httpTime, sendEmpty } from '../respond.js';
import { etagListMatches } from '../write-conditions.js';

export const getObject: Operation = async (deps, r) => {
  const bucket = parseBucket(r.bucket);
  const path = keyToPath(r.key);
  const view = await readView(deps, bucket);
  const entry = r.key.endsWith('/') ? undefined : await deps.tree.get(view.tree, path);
  if (!entry) throw new FileNotFound(path, bucket.name);
  const etag = etagOf(entry.hash);
  const modified = new Date(Math.floor(view.time.getTime() / 1000) * 1000);
  const headers: Record<string, string | number> = {
    etag,
    'last-modified': httpTime(modified),
    'accept-ranges': 'bytes',
    'content-type': r.query.get('response-content-type') ?? 'binary/octet-stream',
  };
  if (view.commit) headers['x-tusk-commit'] = view.commit.id;
  for (const h of ['content-disposition', 'cache-control', 'content-encoding', 'content-language', 'expires']) {
    const v = r.query.get(`response-${h}`);
    if (v !== null) headers[h] = v;
  }
  const condition = checkConditions(r.req, etag, modified);
  if (condition === 412) throw new S3Invalid('PreconditionFailed', 'at least one of the preconditions you specified did not hold');
  if (condition === 304) {
    sendEmpty(r.res, 304, { etag, 'last-modified': headers['last-modified']! });
    return;
  }
  const range = parseRange(header(r.req, 'range'), entry.size);
  const head = r.req.method === 'HEAD';
  if (range) {
    headers['content-range'] = `bytes ${range.offset}-${range.offset + range.length - 1}/${entry.size}`;
    headers['content-length'] = range.length;
  } else headers['content-length'] = entry.size;
  const status = range ? 206 : 200;
  if (head || entry.size === 0 || range?.length === 0) {
    sendEmpty(r.res, status, headers);
    return;
  }
  const data = deps.content.read(entry.content, range)[Symbol.asyncIterator]();
  // The first piece before the status line: a damaged or missing chunk is still a proper error.
  const first = await data.next();
  r.res.writeHead(status, headers);
  async function* rest() {
    if (!first.done) yield first.value;
    for (;;) {
      const next = await data.next();
      if (next.done) return;
      yield next.value;
    }
  }
  await pipeline(Readable.from(rest(), { objectMode: false }), r.res);
};

/** 412, 304 or undefined (serve), in the order RFC 7232 gives. */
function checkConditions(req: IncomingMessage, etag: string, modified: Date): 412 | 304 | undefined {
  const ifMatch = header(req, 'if-match');
  const ifNoneMatch = header(req, 'if-none-match');
  const ifModifiedSince = dateHeader(req, 'if-modified-since');
  const ifUnmodifiedSince = dateHeader(req, 'if-unmodified-since');
  if (ifMatch !== undefined) {
    if (!etagListMatches(ifMatch, etag)) return 412;
  } else if (ifUnmodifiedSince && modified.getTime() > ifUnmodifiedSince.getTime()) return 412;
  if (ifNoneMatch !== undefined) {
    if (etagListMatches(ifNoneMatch, etag)) return 304;
  } else if (ifModifiedSince && modified.getTime() <= ifModifiedSince.getTime()) return 304;
  return undefined;
}


/** The one range a Range header asks for; undefined to serve everything. Throws InvalidRange past the end. */
export function parseRange(text: string | undefined, size: number): { offset: number; length: number } | undefined {
  if (!text) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(text.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined; // malformed or several ranges: the whole object, as S3 does
  const unsatisfiable = () => new S3Invalid('InvalidRange', 'the requested range is not satisfiable', { range: text, size });
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0 || size === 0) throw unsatisfiable();
    const length = Math.min(n, size);
    return { offset: size - length, length };
  }
  const start = Number(m[1]);
  if (start >= size) throw unsatisfiable();
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (end < start) return undefined;
  return { offset: start, length: end - start + 1 };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function dateHeader(req: IncomingMessage, name: string): Date | undefined {
  const v = header(req, name);
  if (!v) return undefined;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d;
}
