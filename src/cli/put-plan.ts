// Where `tusk put file` puts things (DESIGN.md's path rules), as pure
// functions of the ref's path and the local names:
//   -f FILE  REPO@B:/PATH  → /PATH        (a PATH ending in '/' is a folder: /PATH/<base name>)
//   -f FILE  REPO@B        → /<base name>
//   -f DIR -r REPO@B:/PATH → DIR/a/b.txt at /PATH/a/b.txt
//   -f DIR -r REPO@B       → DIR/a/b.txt at /a/b.txt
//   -f -     REPO@B:/PATH  → /PATH        (standard input needs a path)
//   --full-path: a local source's path as given instead of its base name (pachctl's flag)
import { basename, posix } from 'node:path';
import { normalizePath } from '../tree/path.js';
import { usageError } from './usage.js';

/** The repo path of a single local file. `repoPath` is the text after ':' (undefined without one). */
export function fileDestination(repoPath: string | undefined, localPath: string): string {
  const base = basename(localPath);
  if (repoPath === undefined || repoPath === '' || repoPath.endsWith('/')) return normalizePath(`${repoPath ?? ''}/${base}`);
  const path = normalizePath(repoPath);
  return path === '/' ? `/${base}` : path;
}

/**
 * pachctl's --full-path: where a local file or folder goes under `repoPath` (undefined, '' or ending in '/')
 * when its path as given is kept: `./photos/a.png` → /photos/a.png, `/tmp/a.png` → /tmp/a.png.
 */
export function fullPathDestination(repoPath: string | undefined, localPath: string): string {
  return normalizePath(`${repoPath ?? ''}/${posix.normalize(localPath)}`);
}

/** The repo path of a file found at `relative` ('a/b.txt') inside a folder put with -r. */
export function dirEntryDestination(repoPath: string | undefined, relative: string): string {
  return normalizePath(`${repoPath ?? '/'}/${relative}`);
}

/** The repo path standard input goes to; a usage error without a file path. */
export function stdinDestination(repoPath: string | undefined): string {
  if (repoPath === undefined || repoPath === '') throw usageError('put file -f - reads standard input and needs a path: REPO@BRANCH:/PATH');
  const path = normalizePath(repoPath);
  if (path === '/' || repoPath.endsWith('/')) throw usageError(`put file -f - needs a file path, not the folder "${repoPath}"`);
  return path;
}
