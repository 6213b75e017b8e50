// Roles, with Pachyderm's names: each covers the ones before it.
// repoReader reads a repo (files, commits, branches, jobs of pipelines writing
// it); repoWriter also writes (files, branches, commits); repoOwner also
// deletes the repo and changes its roles; clusterAdmin may do everything.
import { InvalidArgument } from '../errors/index.js';

export const ROLES = ['repoReader', 'repoWriter', 'repoOwner', 'clusterAdmin'] as const;
export type Role = (typeof ROLES)[number];
/** The roles a per-repo binding may hold (clusterAdmin is cluster-wide only). */
export type RepoRole = Exclude<Role, 'clusterAdmin'>;

const RANK: Record<Role, number> = { repoReader: 1, repoWriter: 2, repoOwner: 3, clusterAdmin: 4 };

/** True when holding `has` is enough for `need`. */
export function covers(has: Role | undefined, need: Role): boolean {
  return has !== undefined && RANK[has] >= RANK[need];
}

/** The stronger of two roles. */
export function stronger(a: Role | undefined, b: Role | undefined): Role | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return RANK[a] >= RANK[b] ? a : b;
}

/** Pachyderm 1.x's scope names (`pachctl auth set user reader repo`), still typed by its users. */
const SCOPES: Record<string, RepoRole> = { reader: 'repoReader', writer: 'repoWriter', owner: 'repoOwner' };

/** A role name as typed (or a 1.x scope: reader, writer, owner); "none" (remove the binding) when allowNone. */
export function parseRole(text: string, allowNone = true): Role | 'none' {
  if (allowNone && text === 'none') return 'none';
  if ((ROLES as readonly string[]).includes(text)) return text as Role;
  const scope = SCOPES[text.toLowerCase()];
  if (scope) return scope;
  throw new InvalidArgument('InvalidRole', `"${text}" is not a role (use ${ROLES.join(', ')}${allowNone ? ' or none' : ''})`);
}
