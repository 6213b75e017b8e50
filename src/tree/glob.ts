// Glob patterns over tree paths, as `glob file` takes them: patterns are
// absolute ('/' is added in front if missing), '*' and '?' never cross '/', a
// '**' segment matches zero or more whole segments ('/a/**' matches '/a' too,
// '/a/**/b' matches '/a/b'), brace alternatives, character classes and groups
// work, and a pattern matches implied directories as well as files ('/*' yields
// the top-level files and directories). Dotfiles are like any other name. The
// syntax is the datum globs' (src/tree/glob-syntax.ts); matching runs on a
// non-backtracking automaton (src/tree/glob-machine.ts), linear in the path's
// length. The walk scans only the keys that start with the pattern's literal
// prefix, for patterns of fixed depth (no '**', braces or groups) it seeks past
// everything deeper than the pattern reaches, it gives the event loop back at
// least every few milliseconds, and it stops when its caller's signal aborts.
import { InvalidGlob } from '../errors/index.js';
import { getEntry, TreeCursor, treeStats } from './cursor.js';
import { compileGlobMachine } from './glob-machine.js';
import { parseGlobSyntax, type GlobNode } from './glob-syntax.js';
import { dirItem, fileItem, isDir, type TreeItem } from './list.js';
import { dirRange, type NodeLoader, type TreeId } from './node.js';
import { TimeSlice } from './time-slice.js';

const SPECIAL = /[*?[\]{}()!@+\\]/;

export interface ParsedGlob {
  /** The pattern as matched: absolute, no repeated or trailing '/'. */
  pattern: string;
  match: (path: string) => boolean;
  /** As match, giving the event loop back (awaiting `pause`) during a long match. */
  matchAsync: (path: string, pause: () => Promise<void>) => Promise<boolean>;
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
  const syntax = parseGlobSyntax(pattern, input);
  const machine = compileGlobMachine(segmentGlobstars(syntax.nodes), 0);
  const match = (path: string) => machine.test(path);
  const matchAsync = (path: string, pause: () => Promise<void>) => machine.testAsync(path, pause);
  const special = SPECIAL.exec(pattern);
  // up to the '/' before the first segment with a wildcard
  const literal = special ? pattern.slice(0, pattern.lastIndexOf('/', special.index) + 1) : pattern;
  const varies = /\*\*|[{(]/.test(pattern) || /\[[^\]]*\//.test(pattern);
  const depth = varies ? Infinity : pattern.split('/').length - 1;
  return { pattern, match, matchAsync, literal, depth };
}

/**
 * Gives '**' its path meaning: as a whole segment it is zero or more segments
 * ("/a" + optional "/…"), elsewhere ('a**') it is a plain '*'.
 */
function segmentGlobstars(nodes: GlobNode[]): GlobNode[] {
  const out: GlobNode[] = [];
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    if (n.t !== 'globstar') {
      out.push(n);
      continue;
    }
    const prev = out[out.length - 1];
    const next = nodes[i + 1];
    const whole = prev?.t === 'lit' && prev.s.endsWith('/') && (next === undefined || (next.t === 'lit' && next.s.startsWith('/')));
    if (!whole) {
      out.push({ t: 'star' });
      continue;
    }
    const before = prev.s.slice(0, -1);
    out.pop();
    if (before) out.push({ t: 'lit', s: before });
    out.push({ t: 'alt', alts: [[{ t: 'lit', s: '/' }, { t: 'globstar' }], []] });
  }
  return out;
}

export interface GlobWalkOptions {
  /** Stops the walk (it throws the signal's reason) once aborted: the caller is gone. */
  signal?: AbortSignal;
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
export async function* globTree(load: NodeLoader, root: TreeId, pattern: string, options: GlobWalkOptions = {}): AsyncGenerator<TreeItem> {
  const g = parseGlob(pattern);
  const slice = new TimeSlice(options.signal);
  const pause = () => slice.pause();
  const matches = (path: string) => g.matchAsync(path, pause);
  if (g.pattern === '/') {
    const { files, bytes } = await treeStats(load, root);
    if (files > 0) yield { path: '/', type: 'dir', size: bytes };
    return;
  }
  if (g.literal.length > 1 && g.literal.endsWith('/')) {
    const dir = g.literal.slice(0, -1); // 'dir/**' matches 'dir', as a file or as a directory
    if (await matches(dir)) {
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
      await slice.pause();
      const k = e.path;
      if (!k.startsWith(g.literal)) return;
      let depth = 0;
      for (let j = k.indexOf('/', 1); j >= 0; j = k.indexOf('/', j + 1)) {
        depth++;
        // an ancestor directory seen for the first time, long enough to match
        if (j >= g.literal.length && !(prev.length > j && prev.charCodeAt(j) === 47 && prev.startsWith(k.slice(0, j)))) {
          const dir = k.slice(0, j);
          if (await matches(dir)) yield await dirItem(load, root, dir);
        }
        if (depth === g.depth) {
          prev = k;
          await cursor.seek(dirRange(k.slice(0, j))[1]); // nothing deeper can match
          continue next;
        }
      }
      prev = k;
      if (await matches(k)) yield fileItem(e);
    }
  }
}
