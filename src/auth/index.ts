// Access control. A *subject* (user:NAME, robot:NAME, pipeline:NAME) proves
// who it is with a bearer token (gRPC metadata `authn-token`) or an S3 access
// key; *roles* (repoReader < repoWriter < repoOwner, and clusterAdmin) are
// bound to subjects per repo or cluster-wide; a pipeline's identity reads its
// inputs and writes its output repo. This room decides (policy.ts, pure) and
// keeps tokens, bindings and keys (authority.ts, auth-file.ts); what each call
// needs is the one table in src/server/access-table.ts. Off until activated.
export { Authority } from './authority.js';
export type { AuthState, Authenticated, RoleBinding } from './authority.js';
export { AuthFile } from './auth-file.js';
export { decide, roleOn } from './policy.js';
export type { Bindings, Decision, Need, PipelineRepos } from './policy.js';
export { ROLES, covers, parseRole } from './roles.js';
export type { Role, RepoRole } from './roles.js';
export { ROOT_SUBJECT, parseSubject, pipelineOf } from './subject.js';
export { parseTtl } from './tokens.js';
export { PIPELINE_SECRET, seal, unseal } from './secret-box.js';
