// ListObjectsV2 and ListObjects (V1): the files of the bucket's tree in key
// order, with prefix, delimiter (CommonPrefixes), pagination (continuation
// token / start-after / marker, max-keys) and EncodingType=url. A listing
// walks the tree from the resume point and jumps over each common prefix
// with a fresh seek, so a page costs O(page · log n), not O(files).
import { S3Invalid } from '../../../errors/index.js';
import type { FileTree, FileEntry, TreeId } from '../../../tree/index.js';
import { parseBucket, readView } from '../bucket.js';
import type { Operation } from '../context.js';
import { etagOf, isoTime, sendXml } from '../respond.js';
import { uriEncode } from '../sigv4.js';
import type { XmlNode } from '../xml.js';

type Item = { key: string; entry: FileEntry } | { prefix: string };

/** Keys after `after` under `prefix`, folding those with `delimiter` past the prefix into common prefixes. */
export async function* walkKeys(tree: FileTree, root: TreeId, prefix: string, after: string, delimiter: string): AsyncGenerator<Item> {
  if (delimiter && after.startsWith(prefix)) {
    const i = after.indexOf(delimiter, prefix.length);
    if (i >= 0) after = after.slice(0, i + delimiter.length) + '\uffff';
  }
  outer: for (;;) {
    const options = after ? { prefix: '/' + prefix, after: '/' + after } : { prefix: '/' + prefix };
    for await (const entry of tree.scan(root, options)) {
      const key = entry.path.slice(1);
      if (delimiter) {
        const i = key.indexOf(delimiter, prefix.length);
        if (i >= 0) {
          const common = key.slice(0, i + delimiter.length);
          yield { prefix: common };
          after = common + '\uffff';
          continue outer;
        }
      }
      yield { key, entry };
    }
    return;
  }
}

export const listObjects: Operation = async (deps, r) => {
  const q = r.query;
  const v2 = q.get('list-type') === '2';
  const bucket = parseBucket(r.bucket);
  const view = await readView(deps, bucket);
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const encoding = q.get('encoding-type') ?? undefined;
  if (encoding !== undefined && encoding !== 'url') throw new S3Invalid('InvalidArgument', `invalid encoding-type "${encoding}" (only "url")`);
  const maxText = q.get('max-keys');
  const maxKeys = maxText === null ? 1000 : Number(maxText);
  if (!Number.isInteger(maxKeys) || maxKeys < 0) throw new S3Invalid('InvalidArgument', 'max-keys must be a non-negative integer');
  const limit = Math.min(maxKeys, 1000);
  const token = q.get('continuation-token');
  let after: string;
  if (v2) {
    if (token !== null) {
      after = Buffer.from(token, 'base64url').toString('utf8');
      if (!token || Buffer.from(after, 'utf8').toString('base64url') !== token) throw new S3Invalid('InvalidArgument', 'the continuation token provided is incorrect');
    } else after = q.get('start-after') ?? '';
  } else after = q.get('marker') ?? '';

  const contents: XmlNode[] = [];
  const prefixes: { Prefix: string }[] = [];
  const enc = (s: string) => (encoding === 'url' ? uriEncode(s, true) : s);
  let last = '';
  let truncated = false;
  let count = 0;
  const owner = { ID: 'tusk', DisplayName: 'tusk' };
  for await (const item of walkKeys(deps.tree, view.tree, prefix, after, delimiter)) {
    if (count >= limit) {
      truncated = limit > 0;
      break;
    }
    count++;
    if ('prefix' in item) {
      prefixes.push({ Prefix: enc(item.prefix) });
      last = item.prefix;
    } else {
      contents.push({
        Key: enc(item.key),
        LastModified: isoTime(view.time),
        ETag: etagOf(item.entry.hash),
        Size: item.entry.size,
        ...(v2 && q.get('fetch-owner') !== 'true' ? {} : { Owner: owner }),
        StorageClass: 'STANDARD',
      });
      last = item.key;
    }
  }
  const common = { Name: bucket.name, Prefix: enc(prefix), ...(delimiter ? { Delimiter: enc(delimiter) } : {}), MaxKeys: maxKeys };
  const body = v2
    ? {
        ...common,
        KeyCount: count,
        IsTruncated: truncated,
        ...(token !== null ? { ContinuationToken: token } : {}),
        ...(truncated ? { NextContinuationToken: Buffer.from(last, 'utf8').toString('base64url') } : {}),
        ...(q.has('start-after') ? { StartAfter: enc(q.get('start-after')!) } : {}),
        ...(encoding ? { EncodingType: encoding } : {}),
        Contents: contents,
        CommonPrefixes: prefixes,
      }
    : {
        ...common,
        Marker: enc(after),
        IsTruncated: truncated,
        ...(truncated ? { NextMarker: enc(last) } : {}),
        ...(encoding ? { EncodingType: encoding } : {}),
        Contents: contents,
        CommonPrefixes: prefixes,
      };
  sendXml(r.res, 200, 'ListBucketResult', body);
};
