// Paths inside a repo: always absolute, '/'-separated, no empty, '.' or '..'
// segments, no NUL, no trailing slash (the root is '/'). Every path that enters
// Tusk passes through normalizePath, so the rest of the code can trust them.
import { InvalidPath } from '../errors/index.js';

export function normalizePath(input: string): string {
  if (typeof input !== 'string') throw new InvalidPath(String(input), 'not a string');
  if (isNormalFilePath(input)) return input; // most paths (every one a put -r sends): no split and join per path
  if (input.includes('\0')) throw new InvalidPath(input, 'contains a NUL byte');
  const parts: string[] = [];
  for (const part of input.split('/')) {
    if (part === '' ) continue;
    if (part === '.' || part === '..') throw new InvalidPath(input, `"${part}" segments are not allowed`);
    parts.push(part);
  }
  return '/' + parts.join('/');
}

/** Whether `p` is already what normalizePath makes of it, and not the root: '/', then segments that are not empty, '.' or '..', and no NUL. */
function isNormalFilePath(p: string): boolean {
  if (p.length < 2 || p.charCodeAt(0) !== 0x2f) return false;
  let start = 1;
  for (let i = 1; i <= p.length; i++) {
    const c = i < p.length ? p.charCodeAt(i) : 0x2f;
    if (c === 0) return false;
    if (c !== 0x2f) continue;
    const n = i - start;
    if (n === 0 || (n <= 2 && p.charCodeAt(start) === 0x2e && (n === 1 || p.charCodeAt(start + 1) === 0x2e))) return false;
    start = i + 1;
  }
  return true;
}

/** A file path: normalised and not the root. */
export function normalizeFilePath(input: string): string {
  const p = normalizePath(input);
  if (p === '/') throw new InvalidPath(input, 'a file needs a name');
  return p;
}

/** Joins a directory and a relative path, normalising the result. */
export function joinPath(dir: string, rel: string): string {
  return normalizePath(`${dir}/${rel}`);
}

export function parentDir(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** The prefix that selects everything strictly under a directory ('/' → '/', '/a' → '/a/'). */
export function dirPrefix(dir: string): string {
  return dir === '/' ? '/' : dir + '/';
}
