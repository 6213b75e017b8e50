// Glob patterns over tree paths, with Pachyderm's semantics: patterns are
// absolute ('/' is added in front if missing), '*' and '?' never cross '/',
// '**' does, brace alternatives and character classes work, '(...)' groups,
// and a pattern matches implied directories as well as files ('/*' yields the
// top-level files and directories). Matching is picomatch's, with dotfiles
// treated like any other name. The walk scans only the keys that start with
// the pattern's literal prefix, and for patterns of fixed depth (no '**',
// braces or groups) it seeks past everything deeper than the pattern reaches.
import picomatch from 'picomatch';
import { InvalidGlob } from '../errors/index.js';
import { getEntry, TreeCursor, treeStats } from './cursor.js';
import { dirItem, fileItem, isDir, type TreeItem } from './list.js';
import { dirRange, type NodeLoader, type TreeId } from './node.js';

const SPECIAL = /[*?[\]{}()!@+\\]/;

export interface ParsedGlob {
  /** The pattern as matched: absolute, no repeated or trailing '/'. */
  pattern: string;
  match: (path: string) => boolean;
  /**
   * Every match starts with this, except `literal` minus its trailing '/' (which
   * 'dir/**' matches too).
   */
  literal: string;
  /** Number of '/' in every match, or Infinity when it varies. */
  depth: number;
}

/** Throws InvalidGlob for an empty or malformed pattern (unclosed '[', '{' or '('). */
export function parseGlob(input: string): ParsedGlob {
  if (typeof input !== 'string' || input.length === 0) throw new InvalidGlob(String(input), 'empty pattern');
  if (input.includes('\0')) throw new InvalidGlob(input, 'contains a NUL byte');
  let pattern = ('/' + input).replace(/\/{2,}/g, '/');
  if (pattern.length > 1 && pattern.endsWith('/')) pattern = pattern.slice(0, -1);
  let match: (path: string) => boolean;
  try {
    const matcher = picomatch(pattern, { dot: true, posix: true, nonegate: true, strictBrackets: true });
    match = (path) => matcher(path); // one argument: picomatch's second one asks for a result object
  } catch (err) {
    throw new InvalidGlob(input, err instanceof Error ? err.message : String(err));
  }
  const special = SPECIAL.exec(pattern);
  // up to the '/' before the first segment with a wildcard
  const literal = special ? pattern.slice(0, pattern.lastIndexOf('/', special.index) + 1) : pattern;
  const varies = /\*\*|[{(]/.test(pattern) || /\[[^\]]*\//.test(pattern);
  const depth = varies ? Infinity : pattern.split('/').length - 1;
  return { pattern, match, literal, depth };
}

/** A matcher for normalised paths. Throws InvalidGlob. */
export function compileGlob(pattern: string): (path: string) => boolean {
  return parseGlob(pattern).match;
}

/**
 * The files and implied directories of a tree that match a pattern, in key
 * order (a directory comes right before its contents). The root directory is
 * matched only by the pattern '/', and only when the tree holds files.
 */
export async function* globTree(load: NodeLoader, root: TreeId, pattern: string): AsyncGenerator<TreeItem> {
  const g = parseGlob(pattern);
  if (g.pattern === '/') {
    const { files, bytes } = await treeStats(load, root);
    if (files > 0) yield { path: '/', type: 'dir', size: bytes };
    return;
  }
  if (g.literal.length > 1 && g.literal.endsWith('/')) {
    const dir = g.literal.slice(0, -1); // 'dir/**' matches 'dir', as a file or as a directory
    if (g.match(dir)) {
      const file = await getEntry(load, root, dir);
      if (file) yield fileItem(file);
      if (await isDir(load, root, dir)) yield await dirItem(load, root, dir);
    }
  }
  const cursor = new TreeCursor(load, root);
  await cursor.seek(g.literal);
  let prev = '';
  next: for (let batch = await cursor.nextBatch(); batch; batch = await cursor.nextBatch()) {
    for (const e of batch) {
      const k = e.path;
      if (!k.startsWith(g.literal)) return;
      let depth = 0;
      for (let j = k.indexOf('/', 1); j >= 0; j = k.indexOf('/', j + 1)) {
        depth++;
        // an ancestor directory seen for the first time, long enough to match
        if (j >= g.literal.length && !(prev.length > j && prev.charCodeAt(j) === 47 && prev.startsWith(k.slice(0, j)))) {
          const dir = k.slice(0, j);
          if (g.match(dir)) yield await dirItem(load, root, dir);
        }
        if (depth === g.depth) {
          prev = k;
          await cursor.seek(dirRange(k.slice(0, j))[1]); // nothing deeper can match
          continue next;
        }
      }
      prev = k;
      if (g.match(k)) yield fileItem(e);
    }
  }
}
