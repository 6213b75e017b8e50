// The ref grammar of DESIGN.md, parsed in one place:
//   repo | repo@branch | repo@<commit-id> | repo@branch^ | repo@branch^N | ...:/path
// and, as pachctl (and git, for ~) also reads them: `~` and `~N` like `^` and
// `^N` (a commit has one parent, so they mean the same), and `.N` for the N-th
// commit of the branch's history counted from its first (`master.1`).
// A bare `repo` means `repo@master`. Pure: resolving a ref against metadata
// happens in resolve.ts.
import { InvalidRef } from '../errors/index.js';
import { normalizePath } from '../tree/path.js';
import { isCommitId } from './names.js';

export interface Ref {
  repo: string;
  /** A branch name or a commit ID. */
  name: string;
  /** True when `name` is a commit ID. */
  isId: boolean;
  /** How many parents to walk back (`^` = 1, `^3` = 3, `~2` = 2). */
  ancestors: number;
  /** `.N`: the N-th commit (N >= 1) of the history that ends at `name`, counted from its first. */
  fromFirst?: number;
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
  let fromFirst: number | undefined;
  const mark = spec.search(/[\^~.]/);
  if (mark >= 0) {
    if (spec[mark] === '.') fromFirst = parseFromFirst(text, spec.slice(mark));
    else ancestors = parseAncestors(text, spec.slice(mark));
    spec = spec.slice(0, mark);
  }
  if (!NAME.test(spec)) throw new InvalidRef(text, spec === '' ? 'nothing after "@"' : `${JSON.stringify(spec)} is not a branch name or commit ID`);
  const ref: Ref = { repo, name: spec, isId: isCommitId(spec), ancestors, path };
  if (fromFirst !== undefined) ref.fromFirst = fromFirst;
  return ref;
}

/** True when the ref names a commit back in history (`^N`, `~N`, `.N`) rather than a branch's head or an ID. */
export function walksHistory(ref: Ref): boolean {
  return ref.ancestors > 0 || ref.fromFirst !== undefined;
}

/** `^`, `^^`, `^3`, `^2^`, `~`, `~2`, `^~` → total number of generations. */
function parseAncestors(text: string, suffix: string): number {
  let total = 0;
  const re = /[\^~](\d*)/y;
  let i = 0;
  while (i < suffix.length) {
    re.lastIndex = i;
    const m = re.exec(suffix);
    if (!m) throw new InvalidRef(text, `${JSON.stringify(suffix)} is not a valid ancestry suffix (use ^, ^N, ~N, or .N for the N-th commit from the first)`);
    total += m[1] === '' ? 1 : Number(m[1]);
    i = re.lastIndex;
  }
  if (!Number.isSafeInteger(total)) throw new InvalidRef(text, 'ancestry suffix is too large');
  return total;
}

/** `.N` (N >= 1) → N. */
function parseFromFirst(text: string, suffix: string): number {
  const m = /^\.(\d+)$/.exec(suffix);
  const n = m ? Number(m[1]) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidRef(text, `${JSON.stringify(suffix)} is not a valid suffix: .N counts commits from the first, which is .1`);
  return n;
}

function normalizeRefPath(text: string, path: string): string {
  try {
    return normalizePath(path);
  } catch (err) {
    throw new InvalidRef(text, (err as Error).message);
  }
}

/** The part after '@' without the path: `dev`, `dev^2`, `dev.1`. */
export function refName(ref: Ref): string {
  const suffix = ref.fromFirst !== undefined ? `.${ref.fromFirst}` : ref.ancestors === 0 ? '' : ref.ancestors === 1 ? '^' : `^${ref.ancestors}`;
  return ref.name + suffix;
}

export function formatRef(ref: Ref): string {
  return `${ref.repo}@${refName(ref)}${ref.path !== undefined ? `:${ref.path}` : ''}`;
}
