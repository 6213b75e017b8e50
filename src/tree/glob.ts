// Glob patterns over tree paths, as `glob file` takes them: patterns are
// absolute ('/' is added in front if missing), '*' and '?' never cross '/', a
// '**' segment matches zero or more whole segments ('/a/**' matches '/a' too,
// '/a/**/b' matches '/a/b'), brace alternatives, character classes and groups
// work, and a pattern matches implied directories as well as files ('/*' yields
// the top-level files and directories). Dotfiles are like any other name. The
// syntax is the datum globs' (src/tree/glob-syntax.ts); matching runs on a
// non-backtracking automaton (src/tree/glob-machine.ts), linear in the path's
// length. The walk seeks to the pattern's literal prefix ('/f00001' of
// '/f00001*') and scans only the keys that start with it, for patterns of fixed depth (no '**', braces or groups) it seeks past
// everything deeper than the pattern reaches, it gives the event loop back at
// least every few milliseconds, and it stops when its caller's signal aborts.
// Matches come in listing order (a directory sorts as `name/`, right before
// its contents); a walk can start after any key (paging), seeking to it.
import { InvalidGlob } from '../errors/index.js';
import { getEntry, TreeCursor, treeStats } from './cursor.js';
import { compileGlobMachine } from './glob-machine.js';
import { parseGlobSyntax, type GlobNode } from './glob-syntax.js';
import { dirItem, fileItem, isDir, itemKey, type TreeItem } from './list.js';
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
  /** Every match except `literal` minus its trailing '/' starts with this: the pattern up to its first special character. */
  prefix: string;
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
  const prefix = special ? pattern.slice(0, special.index) : pattern;
  const varies = /\*\*|[{(]/.test(pattern) || /\[[^\]]*\//.test(pattern);
  const depth = varies ? Infinity : pattern.split('/').length - 1;
  return { pattern, match, matchAsync, literal, prefix, depth };
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
  /** Only matches whose key (a directory's path with '/' after it) is greater than this. */
  after?: string;
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
  const after = options.after;
  const later = (item: TreeItem) => after === undefined || itemKey(item) > after;
  const slice = new TimeSlice(options.signal);
  const pause = () => slice.pause();
  const matches = (path: string) => g.matchAsync(path, pause);
  if (g.pattern === '/') {
    const { files, bytes } = await treeStats(load, root);
    const item: TreeItem = { path: '/', type: 'dir', size: bytes };
    if (files > 0 && later(item)) yield item;
    return;
  }
  if (g.literal.length > 1 && g.literal.endsWith('/')) {
    const dir = g.literal.slice(0, -1); // 'dir/**' matches 'dir', as a file or as a directory
    if (await matches(dir)) {
      const file = await getEntry(load, root, dir);
      if (file && later(fileItem(file))) yield fileItem(file);
      if (await isDir(load, root, dir)) {
        const item = await dirItem(load, root, dir);
        if (later(item)) yield item;
      }
    }
  }
  const cursor = new TreeCursor(load, root);
  // `prev`: the last key walked past; its ancestor directories have been seen (or, before `after`, were on earlier pages)
  let prev = '';
  if (after !== undefined && after >= g.prefix) {
    await cursor.seek(after, true);
    prev = after;
  } else await cursor.seek(g.prefix);
  next: for (let batch = await cursor.nextBatch(); batch; batch = await cursor.nextBatch()) {
    for (const e of batch) {
      await slice.pause();
      const k = e.path;
      if (!k.startsWith(g.prefix)) return;
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
