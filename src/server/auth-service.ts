// The gRPC AuthApi: a thin translation to the Authority. What each call needs
// was already checked by the interceptor (access-table.ts); the handlers
// read the verified caller from metadata and check only what depends on it
// (someone else's S3 key needs clusterAdmin). Roles are bound only on repos
// that exist: a binding left on a missing name would be found by whoever
// creates that repo later, who would then not own it.
import type { ServerUnaryCall } from '@grpc/grpc-js';
import { covers, parseRole, parseSubject, parseTtl, type Authority, type RoleBinding } from '../auth/index.js';
import { AuthNotActive, InvalidArgument, PermissionDenied, RepoNotFound } from '../errors/index.js';
import type { AuthApiServer } from '../gen/tusk/auth.js';
import { EXPIRES_HEADER, SUBJECT_HEADER } from './auth-interceptor.js';
import { unaryHandler } from './handler.js';
import type { Logger } from '../log/logger.js';

/** `onActivated`: restarts running pipelines' workers so they pick up their pipeline identities. */
export function authService(authority: Authority, log: Logger, onActivated: () => Promise<void>, repoExists: (repo: string) => Promise<boolean>): AuthApiServer {
  const callerOf = (call: ServerUnaryCall<unknown, unknown>): string => {
    if (!authority.active) throw new AuthNotActive();
    const subject = call.metadata.get(SUBJECT_HEADER)[0];
    if (typeof subject !== 'string') throw new AuthNotActive();
    return subject;
  };
  const bindings = (list: RoleBinding[]) => list.map((b) => ({ subject: b.subject, role: b.role }));
  return {
    activate: unaryHandler(log, 'Activate', async () => {
      const { token, subject } = await authority.activate();
      await onActivated().catch((err) => log.log('error', 'restart_workers_failed', { message: (err as Error).message }));
      return { rootToken: token, subject };
    }),
    whoAmI: unaryHandler(log, 'WhoAmI', async (_req, call) => {
      if (!authority.active) return { active: false, subject: '', expires: '', clusterRole: '' };
      const subject = callerOf(call);
      return { active: true, subject, expires: String(call.metadata.get(EXPIRES_HEADER)[0] ?? ''), clusterRole: authority.cluster(subject) ?? '' };
    }),
    revoke: unaryHandler(log, 'Revoke', async (req, call) => {
      const by = callerOf(call);
      if (!req.token === !req.subject) throw new InvalidArgument('RevokeWhat', 'give a token or --user SUBJECT, not both');
      const revoked = req.token ? await authority.revokeToken(req.token, by) : await authority.revokeSubject(parseSubject(req.subject, 'user'), by);
      return { revoked };
    }),
    getRobotToken: unaryHandler(log, 'GetRobotToken', async (req, call) => {
      const by = callerOf(call);
      const subject = parseSubject(req.subject, 'robot');
      const { token, expires } = await authority.issueToken(subject, req.ttlSeconds > 0 ? req.ttlSeconds * 1000 : undefined, by);
      return { token, subject, expires: expires ?? '' };
    }),
    setRepoRole: unaryHandler(log, 'SetRepoRole', async (req, call) => {
      const by = callerOf(call);
      // 'none' may still clear a binding on a name that has no repo.
      if (req.role !== 'none' && !(await repoExists(req.repo))) throw new RepoNotFound(req.repo);
      const list = await authority.setRepoRole(req.repo, parseSubject(req.subject), parseRole(req.role), by);
      return { repo: req.repo, bindings: bindings(list) };
    }),
    getRepoRoles: unaryHandler(log, 'GetRepoRoles', async (req, call) => {
      callerOf(call);
      if (!(await repoExists(req.repo))) throw new RepoNotFound(req.repo);
      return { repo: req.repo, bindings: bindings(authority.repoRoles(req.repo)) };
    }),
    setClusterRole: unaryHandler(log, 'SetClusterRole', async (req, call) => {
      const by = callerOf(call);
      return { bindings: bindings(await authority.setClusterRole(parseSubject(req.subject), parseRole(req.role), by)) };
    }),
    createS3Key: unaryHandler(log, 'CreateS3Key', async (req, call) => {
      const by = callerOf(call);
      const subject = req.subject ? parseSubject(req.subject, 'user') : by;
      if (subject !== by && !covers(authority.cluster(by), 'clusterAdmin')) throw new PermissionDenied(by, 'clusterAdmin', undefined, `create an S3 key for ${subject}`);
      const key = await authority.createS3Key(subject, by);
      return { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey, subject };
    }),
  };
}
