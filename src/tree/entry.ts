// The checks a file entry passes before it enters a tree: a normalised path
// that is well-formed Unicode (tree keys are stored as UTF-8), a size, a sha256
// content hash, and a content descriptor that agrees with both.
import { InvalidFileEntry, InvalidPath } from '../errors/index.js';
import { normalizeFilePath } from './path.js';
import type { FileEntry } from './node.js';

/** A sha256 digest in lowercase hex (a loop: several times faster than a regex, and checked for every entry). */
function isHex64(s: unknown): boolean {
  if (typeof s !== 'string' || s.length !== 64) return false;
  for (let i = 0; i < 64; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function isNormalFilePath(p: string): boolean {
  return (
    p.length > 1 &&
    p.charCodeAt(0) === 47 &&
    p.charCodeAt(p.length - 1) !== 47 &&
    !p.includes('//') &&
    !p.includes('\0') &&
    !p.includes('/./') &&
    !p.includes('/../') &&
    !p.endsWith('/.') &&
    !p.endsWith('/..')
  );
}

/** normalizeFilePath, with a fast path for paths that are normal already. Throws InvalidPath. */
export function treePath(input: string): string {
  const p = typeof input === 'string' && isNormalFilePath(input) ? input : normalizeFilePath(input);
  if (LONE_SURROGATE.test(p)) throw new InvalidPath(input, 'not well-formed Unicode');
  return p;
}

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

/**
 * The entry as the tree stores it, under `path` (default: its own path, normalised).
 * Throws InvalidPath, or InvalidFileEntry if the entry's path normalises to something else.
 */
export function checkEntry(entry: FileEntry, path?: string): FileEntry {
  const p = treePath(path ?? entry?.path);
  const fail = (reason: string): never => {
    throw new InvalidFileEntry(p, reason);
  };
  if (typeof entry !== 'object' || entry === null) fail('not an object');
  if (path !== undefined && entry.path !== path && treePath(entry.path) !== p) fail(`entry.path ${JSON.stringify(entry.path)} differs from the mutation's path`);
  if (!isCount(entry.size)) fail('size must be a non-negative integer');
  if (!isHex64(entry.hash)) fail('hash must be a sha256 hex digest');
  const c = entry.content;
  if (typeof c !== 'object' || c === null) fail('content is missing');
  if (c.size !== entry.size || c.hash !== entry.hash) fail('content.size and content.hash must equal size and hash');
  if (c.refs !== undefined) {
    if (!Array.isArray(c.refs)) fail('content.refs must be an array');
    for (const r of c.refs) {
      const ch = r?.chunk;
      if (!isCount(r?.start) || !isCount(r?.length) || typeof ch !== 'object' || ch === null) fail('malformed data reference');
      if (typeof ch.pack !== 'string' || !isCount(ch.offset) || !isCount(ch.size) || !isHex64(ch.hash)) fail('malformed chunk reference');
    }
  }
  if (c.indirect !== undefined && (!Array.isArray(c.indirect) || c.indirect.some((b) => typeof b !== 'string'))) fail('content.indirect must be an array of blob IDs');
  return entry.path === p ? entry : { ...entry, path: p };
}
