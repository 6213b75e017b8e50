// The ref grammar of DESIGN.md, parsed in one place:
//   repo | repo@branch | repo@<commit-id> | repo@branch^ | repo@branch^N | ...:/path
// A bare `repo` means `repo@master`. Pure: resolving a ref against metadata
// happens in commits.ts.
import { InvalidRef } from '../errors/index.js';
import { normalizePath } from '../tree/path.js';
import { isCommitId } from './names.js';

export interface Ref {
  repo: string;
  /** A branch name or a commit ID. */
  name: string;
  /** True when `name` is a commit ID. */
  isId: boolean;
  /** How many parents to walk back (`^` = 1, `^3` = 3). */
  ancestors: number;
  /** The path after ':', normalised; undefined when none was given. */
  path?: string;
}

const REPO = /^[A-Za-z0-9_-]{1,63}$/;
const NAME = /^[A-Za-z0-9_-]{1,63}$/;

export function parseRef(text: string, defaultBranch = 'master'): Ref {
  if (typeof text !== 'string' || text.trim() === '') throw new InvalidRef(String(text), 'it is empty');
  let rest = text;
  let path: string | undefined;
  const colon = rest.indexOf(':');
  if (colon >= 0) {
    path = normalizeRefPath(text, rest.slice(colon + 1));
    rest = rest.slice(0, colon);
  }
  const at = rest.indexOf('@');
  const repo = at >= 0 ? rest.slice(0, at) : rest;
  if (!REPO.test(repo)) throw new InvalidRef(text, `${JSON.stringify(repo)} is not a valid repo name`);
  if (at < 0) return { repo, name: defaultBranch, isId: false, ancestors: 0, path };
  let spec = rest.slice(at + 1);
  let ancestors = 0;
  const caret = spec.indexOf('^');
  if (caret >= 0) {
    ancestors = parseAncestors(text, spec.slice(caret));
    spec = spec.slice(0, caret);
  }
  if (!NAME.test(spec)) throw new InvalidRef(text, spec === '' ? 'nothing after "@"' : `${JSON.stringify(spec)} is not a branch name or commit ID`);
  return { repo, name: spec, isId: isCommitId(spec), ancestors, path };
}

/** `^`, `^^`, `^3`, `^2^` → total number of generations. */
function parseAncestors(text: string, carets: string): number {
  let total = 0;
  const re = /\^(\d*)/y;
  let i = 0;
  while (i < carets.length) {
    re.lastIndex = i;
    const m = re.exec(carets);
    if (!m) throw new InvalidRef(text, `${JSON.stringify(carets)} is not a valid ancestry suffix (use ^ or ^N)`);
    total += m[1] === '' ? 1 : Number(m[1]);
    i = re.lastIndex;
  }
  if (!Number.isSafeInteger(total)) throw new InvalidRef(text, 'ancestry suffix is too large');
  return total;
}

function normalizeRefPath(text: string, path: string): string {
  try {
    return normalizePath(path);
  } catch (err) {
    throw new InvalidRef(text, (err as Error).message);
  }
}

export function formatRef(ref: Ref): string {
  const anc = ref.ancestors === 0 ? '' : ref.ancestors === 1 ? '^' : `^${ref.ancestors}`;
  return `${ref.repo}@${ref.name}${anc}${ref.path !== undefined ? `:${ref.path}` : ''}`;
}
