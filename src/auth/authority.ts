// The authority: who holds which token, role and S3 key, and the changes to
// that (activation, tokens issued and revoked, roles set, keys created). Each
// change is saved before it is answered and reported once to the audit log,
// naming the subject who made it and never a secret. Lookups are in memory,
// so a flood of bad tokens costs a hash each.
import { AlreadyExists, AuthNotActive, FailedPrecondition, InvalidArgument } from '../errors/index.js';
import type { Bindings } from './policy.js';
import { covers, type Role } from './roles.js';
import { seal, unseal } from './secret-box.js';
import { ROOT_SUBJECT, subjectKind } from './subject.js';
import { hashToken, newToken, pipelineToken, verifyPipelineToken, type TokenRecord } from './tokens.js';

export interface S3KeyRecord {
  subject: string;
  /** The secret access key, sealed (secret-box.ts). */
  secret: string;
  created: string;
}

/** What is saved: only hashes of tokens, sealed S3 secrets. */
export interface AuthState {
  version: 1;
  activated: string;
  /** SHA-256 of a token → its record. */
  tokens: Record<string, TokenRecord>;
  /** subject → cluster-wide role. */
  cluster: Record<string, Role>;
  /** repo → subject → role. */
  repos: Record<string, Record<string, Role>>;
  /** access key ID → key. */
  s3Keys: Record<string, S3KeyRecord>;
}

export interface AuthorityDeps {
  clock: () => Date;
  random: (n: number) => Buffer;
  /** Persists the state (before any change is answered). */
  save: (state: AuthState) => Promise<void>;
  /** Makes the master key on activation. */
  createKey: () => Promise<Buffer>;
  /** One audit line: action, the acting subject, and what changed. */
  audit: (action: string, fields: Record<string, unknown>) => void;
}

export type Authenticated = { subject: string; expires?: string; pipeline?: string } | { subject?: undefined; reason: string };

export interface RoleBinding {
  subject: string;
  role: Role;
}

export class Authority implements Bindings {
  constructor(
    private readonly deps: AuthorityDeps,
    private state?: AuthState,
    private key?: Buffer,
  ) {}

  get active(): boolean {
    return this.state !== undefined;
  }

  /** Turns access control on: user:root becomes clusterAdmin; returns its token (shown once, only its hash kept). */
  async activate(): Promise<{ token: string; subject: string }> {
    if (this.state) throw new AlreadyExists('AuthActive', 'access control is already activated');
    const key = await this.deps.createKey();
    const token = newToken(this.deps.random);
    const now = this.deps.clock().toISOString();
    const state: AuthState = { version: 1, activated: now, tokens: { [hashToken(token)]: { subject: ROOT_SUBJECT, created: now } }, cluster: { [ROOT_SUBJECT]: 'clusterAdmin' }, repos: {}, s3Keys: {} };
    await this.deps.save(state);
    this.state = state;
    this.key = key;
    this.deps.audit('activate', { by: ROOT_SUBJECT });
    return { token, subject: ROOT_SUBJECT };
  }

  /** Who a token speaks for, or why it does not. Pipeline tokens name their pipeline. */
  authenticate(token: string | undefined): Authenticated {
    const state = this.need();
    if (!token) return { reason: 'no token' };
    const pipeline = verifyPipelineToken(this.key!, token);
    if (pipeline !== undefined) return { subject: `pipeline:${pipeline}`, pipeline };
    const record = state.tokens[hashToken(token)];
    if (!record) return { reason: 'unknown or revoked token' };
    if (record.expires && Date.parse(record.expires) <= this.deps.clock().getTime()) return { reason: 'token expired' };
    return { subject: record.subject, ...(record.expires ? { expires: record.expires } : {}) };
  }

  /** A new token for a user or robot; ttlMs undefined: never expires. */
  async issueToken(subject: string, ttlMs: number | undefined, by: string): Promise<{ token: string; expires?: string }> {
    const state = this.need();
    if (subjectKind(subject) === 'pipeline') throw new InvalidArgument('PipelineToken', `${subject}: pipelines get their tokens from the runtime, not from get-robot-token`);
    const token = newToken(this.deps.random);
    const now = this.deps.clock();
    const expires = ttlMs === undefined ? undefined : new Date(now.getTime() + ttlMs).toISOString();
    await this.change(() => {
      state.tokens[hashToken(token)] = { subject, created: now.toISOString(), ...(expires ? { expires } : {}) };
    });
    this.deps.audit('issue_token', { by, subject, ...(expires ? { expires } : {}) });
    return { token, ...(expires ? { expires } : {}) };
  }

  /** Revokes one token; returns how many were revoked (0 or 1). */
  async revokeToken(token: string, by: string): Promise<number> {
    const state = this.need();
    const hash = hashToken(token);
    const record = state.tokens[hash];
    if (!record) {
      if (verifyPipelineToken(this.key!, token) !== undefined) throw new InvalidArgument('PipelineToken', 'a pipeline token lasts as long as its pipeline: delete the pipeline to end it');
      return 0;
    }
    await this.change(() => delete state.tokens[hash]);
    this.deps.audit('revoke_token', { by, subject: record.subject });
    return 1;
  }

  /** Revokes every token and S3 key of a subject; returns how many tokens. */
  async revokeSubject(subject: string, by: string): Promise<number> {
    const state = this.need();
    const hashes = Object.entries(state.tokens).filter(([, r]) => r.subject === subject).map(([h]) => h);
    const keys = Object.entries(state.s3Keys).filter(([, k]) => k.subject === subject).map(([id]) => id);
    if (hashes.length > 0 || keys.length > 0) {
      await this.change(() => {
        hashes.forEach((h) => delete state.tokens[h]);
        keys.forEach((id) => delete state.s3Keys[id]);
      });
    }
    this.deps.audit('revoke_subject', { by, subject, revoked: hashes.length, s3Keys: keys.length });
    return hashes.length;
  }

  cluster(subject: string): Role | undefined {
    return this.state?.cluster[subject];
  }

  repo(repo: string, subject: string): Role | undefined {
    return this.state?.repos[repo]?.[subject];
  }

  repoRoles(repo: string): RoleBinding[] {
    return Object.entries(this.need().repos[repo] ?? {}).map(([subject, role]) => ({ subject, role })).sort(bySubject);
  }

  clusterRoles(): RoleBinding[] {
    return Object.entries(this.need().cluster).map(([subject, role]) => ({ subject, role })).sort(bySubject);
  }

  /** Binds (or with 'none' unbinds) a subject's role on a repo. */
  async setRepoRole(repo: string, subject: string, role: Role | 'none', by: string): Promise<RoleBinding[]> {
    const state = this.need();
    if (role === 'clusterAdmin') throw new InvalidArgument('InvalidRole', 'clusterAdmin is cluster-wide: use tusk auth set cluster clusterAdmin SUBJECT');
    await this.change(() => {
      const bound = (state.repos[repo] ??= {});
      if (role === 'none') delete bound[subject];
      else bound[subject] = role;
      if (Object.keys(bound).length === 0) delete state.repos[repo];
    });
    this.deps.audit('set_repo_role', { by, repo, subject, role });
    return this.repoRoles(repo);
  }

  /** Binds (or with 'none' unbinds) a cluster-wide role; the last clusterAdmin cannot be removed. */
  async setClusterRole(subject: string, role: Role | 'none', by: string): Promise<RoleBinding[]> {
    const state = this.need();
    const admins = Object.entries(state.cluster).filter(([, r]) => covers(r, 'clusterAdmin')).map(([s]) => s);
    if (admins.length === 1 && admins[0] === subject && role !== 'clusterAdmin') {
      throw new FailedPrecondition('LastAdmin', `${subject} is the last clusterAdmin; make another subject clusterAdmin first`);
    }
    await this.change(() => {
      if (role === 'none') delete state.cluster[subject];
      else state.cluster[subject] = role;
    });
    this.deps.audit('set_cluster_role', { by, subject, role });
    return this.clusterRoles();
  }

  /** Forgets a deleted repo's bindings, so a new repo of that name starts with none. */
  async dropRepo(repo: string, by: string): Promise<void> {
    const state = this.need();
    if (!state.repos[repo]) return;
    await this.change(() => delete state.repos[repo]);
    this.deps.audit('drop_repo_roles', { by, repo });
  }

  /** A new S3 access key for a user or robot; the secret is returned once and kept sealed. */
  async createS3Key(subject: string, by: string): Promise<{ accessKeyId: string; secretAccessKey: string }> {
    const state = this.need();
    if (subjectKind(subject) === 'pipeline') throw new InvalidArgument('PipelineS3Key', `${subject}: S3 keys are for users and robots`);
    const accessKeyId = `TUSK${base32(this.deps.random(10))}`;
    const secretAccessKey = this.deps.random(30).toString('base64url');
    await this.change(() => {
      state.s3Keys[accessKeyId] = { subject, secret: seal(this.key!, secretAccessKey, this.deps.random(12)), created: this.deps.clock().toISOString() };
    });
    this.deps.audit('create_s3_key', { by, subject, accessKeyId });
    return { accessKeyId, secretAccessKey };
  }

  /** The secret and subject of an access key, or undefined when the key is unknown. */
  s3Key(accessKeyId: string): { secret: string; subject: string } | undefined {
    const record = Object.hasOwn(this.need().s3Keys, accessKeyId) ? this.need().s3Keys[accessKeyId] : undefined;
    return record ? { secret: unseal(this.key!, record.secret), subject: record.subject } : undefined;
  }

  /** The token a pipeline's workers and sidecars use (derived, so the same after a restart). */
  pipelineToken(pipeline: string): string {
    this.need();
    return pipelineToken(this.key!, pipeline);
  }

  private need(): AuthState {
    if (!this.state) throw new AuthNotActive();
    return this.state;
  }

  /** Applies a change to a copy, saves it, then keeps it: a failed save changes nothing. */
  private async change(apply: () => void): Promise<void> {
    const before = structuredClone(this.state!);
    apply();
    try {
      await this.deps.save(this.state!);
    } catch (err) {
      this.state = before;
      throw err;
    }
  }
}

function bySubject(a: RoleBinding, b: RoleBinding): number {
  return a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
function base32(bytes: Buffer): string {
  let out = '';
  for (const b of bytes) out += ALPHABET[b & 31];
  return out;
}
