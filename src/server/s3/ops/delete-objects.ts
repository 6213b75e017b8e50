// DeleteObjects: up to 1,000 keys from one XML document, deleted in ONE
// commit. Keys that are not files count as deleted (as in S3); malformed keys
// get a per-key error and are not touched. Quiet mode reports errors only.
import { S3Invalid, toTuskError } from '../../../errors/index.js';
import { keyToPath, parseBucket, writeTarget } from '../bucket.js';
import { readSmallBody, requestBody } from '../body.js';
import type { Operation } from '../context.js';
import { s3ErrorOf } from '../error-table.js';
import { sendXml } from '../respond.js';
import { childText, childrenNamed, parseXml } from '../xml.js';
import { existingFiles } from './write-tree.js';

export const deleteObjects: Operation = async (deps, r) => {
  const bucket = parseBucket(r.bucket);
  const target = await writeTarget(deps, bucket);
  const doc = parseXml((await readSmallBody(requestBody(r.req, r.identity), 4 * 1024 * 1024)).toString('utf8'));
  if (doc.name !== 'Delete') throw new S3Invalid('MalformedXML', 'the root element must be <Delete>');
  const quiet = childText(doc, 'Quiet')?.trim() === 'true';
  const keys = childrenNamed(doc, 'Object').map((o) => childText(o, 'Key'));
  if (keys.length === 0 || keys.length > 1000) throw new S3Invalid('MalformedXML', 'a Delete request lists 1 to 1,000 objects');
  const deleted: { Key: string }[] = [];
  const errors: { Key: string; Code: string; Message: string }[] = [];
  const paths = new Map<string, string>();
  for (const key of keys) {
    if (key === undefined) throw new S3Invalid('MalformedXML', 'every <Object> needs a <Key>');
    try {
      if (!key.endsWith('/')) paths.set(key, keyToPath(key));
      deleted.push({ Key: key });
    } catch (err) {
      const e = toTuskError(err);
      errors.push({ Key: key, Code: s3ErrorOf(e).code, Message: e.message });
    }
  }
  const present = await existingFiles(deps, bucket, [...new Set(paths.values())]);
  const headers: Record<string, string> = {};
  if (present.size > 0) {
    const upload = await deps.pfs.upload(target);
    for (const p of present) upload.deleteFile(p);
    headers['x-tusk-commit'] = (await upload.commit()).commit.id;
  }
  sendXml(r.res, 200, 'DeleteResult', { Deleted: quiet ? [] : deleted, Error: errors }, headers);
};
