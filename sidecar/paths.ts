// Where a datum's files go in the datum area, checked so that nothing the
// coordinator sends can place a file outside it: an input name is one plain
// path segment (not `out`), and a file path has no `.`/`..` segments.
import { join } from 'node:path';
import { InvalidPath } from '../src/errors/index.js';

/** Throws InvalidPath unless `name` can be a folder directly under /pfs. */
export function checkInputName(name: string): void {
  if (name === '' || name === '.' || name === '..' || name === 'out' || name.includes('/') || name.includes('\0')) {
    throw new InvalidPath(name, 'an input name must be one path segment other than "out"');
  }
}

/** The segments of a repo path ('/a/b.png' → ['a', 'b.png']); throws InvalidPath for '.', '..' or NUL. */
export function pathSegments(path: string): string[] {
  if (path.includes('\0')) throw new InvalidPath(path, 'contains NUL');
  const segments = path.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '.' || s === '..')) throw new InvalidPath(path, 'contains "." or ".." segments');
  return segments;
}

/** `root/<name>/<file path>`: where input `name`'s file goes. */
export function inputFileTarget(root: string, name: string, filePath: string): string {
  checkInputName(name);
  const segments = pathSegments(filePath);
  if (segments.length === 0) throw new InvalidPath(filePath, 'an input file needs a name');
  return join(root, name, ...segments);
}
