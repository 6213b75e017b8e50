// Multipart uploads on the sidecar's S3 endpoint (aws s3 cp and boto3's
// upload_file switch to them above 8 MB): each part is streamed to a file in
// the endpoint's own private temporary folder — never under /pfs/out, so a
// half-finished upload is never output — and Complete joins the listed parts,
// in order, into the object's file in the datum's output, then drops them.
// Parts and uploads live as long as the endpoint; Abort, or closing the
// endpoint, removes them.
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { NoSuchUpload, S3Invalid } from '../src/errors/index.js';
import { checkContentMd5, md5Tap, readSmallBody, requestBody } from '../src/server/s3/body.js';
import { completedParts, multipartEtag } from '../src/server/s3/complete-list.js';
import type { Identity } from '../src/server/s3/auth.js';

interface Part {
  etag: string;
  file: string;
}

interface Upload {
  bucket: string;
  key: string;
  parts: Map<number, Part>;
}

export class SidecarMultipart {
  private readonly uploads = new Map<string, Upload>();
  private dir: Promise<string> | undefined;

  /** Starts an upload of `key`; returns its ID. */
  create(bucket: string, key: string): string {
    const uploadId = randomBytes(16).toString('hex');
    this.uploads.set(uploadId, { bucket, key, parts: new Map() });
    return uploadId;
  }

  /** Streams one part to its file (a part sent again replaces the first); returns its ETag, the MD5 of its bytes. */
  async putPart(bucket: string, key: string, uploadId: string, partNumber: string | null, req: IncomingMessage, identity: Identity): Promise<string> {
    const upload = this.get(bucket, key, uploadId);
    const n = Number(partNumber);
    if (!Number.isInteger(n) || n < 1 || n > 10000) throw new S3Invalid('InvalidArgument', 'partNumber must be an integer from 1 to 10000');
    const file = join(await this.folder(), `${uploadId}.${n}.${randomBytes(4).toString('hex')}`);
    const md5 = md5Tap(requestBody(req, identity));
    try {
      await pipeline(md5.body, createWriteStream(file, { mode: 0o600 }));
      checkContentMd5(req, md5.digest());
    } catch (err) {
      await rm(file, { force: true });
      throw err;
    }
    const etag = `"${md5.digest().toString('hex')}"`;
    const old = upload.parts.get(n);
    upload.parts.set(n, { etag, file });
    if (old) await rm(old.file, { force: true });
    return etag;
  }

  /** Joins the parts the request lists into `path` (written beside it, then renamed in); returns the multipart ETag. */
  async complete(bucket: string, key: string, uploadId: string, path: string, req: IncomingMessage, identity: Identity): Promise<string> {
    const upload = this.get(bucket, key, uploadId);
    const xml = (await readSmallBody(requestBody(req, identity), 2 * 1024 * 1024)).toString('utf8');
    const parts = completedParts(xml, upload.parts);
    await mkdir(dirname(path), { recursive: true });
    const joining = `${path}.tusk-multipart-${uploadId}`;
    try {
      const out = createWriteStream(joining);
      await pipeline(async function* () {
        for (const part of parts) yield* createReadStream(part.file);
      }, out);
      await rename(joining, path);
    } catch (err) {
      await rm(joining, { force: true });
      throw err;
    }
    await this.abort(bucket, key, uploadId);
    return multipartEtag(parts.map((p) => p.etag));
  }

  /** Drops an upload and its parts. */
  async abort(bucket: string, key: string, uploadId: string): Promise<void> {
    const upload = this.get(bucket, key, uploadId);
    this.uploads.delete(uploadId);
    await Promise.all([...upload.parts.values()].map((p) => rm(p.file, { force: true })));
  }

  /** Removes every part of every upload. */
  async close(): Promise<void> {
    this.uploads.clear();
    if (this.dir) await rm(await this.dir, { recursive: true, force: true });
  }

  private get(bucket: string, key: string, uploadId: string): Upload {
    const upload = this.uploads.get(uploadId);
    if (!upload || upload.bucket !== bucket || upload.key !== key) throw new NoSuchUpload(uploadId);
    return upload;
  }

  private folder(): Promise<string> {
    this.dir ??= mkdtemp(join(tmpdir(), 'tusk-sidecar-s3-parts-'));
    return this.dir;
  }
}
