import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Authority, type AuthState } from './authority.js';
import { hashToken, parseTtl } from './tokens.js';

function setup() {
  let now = new Date('2026-01-01T00:00:00Z');
  const saved: AuthState[] = [];
  const audit: { action: string; fields: Record<string, unknown> }[] = [];
  let failSave = false;
  const authority = new Authority({
    clock: () => now,
    random: (n) => randomBytes(n),
    save: async (s) => {
      if (failSave) throw new Error('disk full');
      saved.push(structuredClone(s));
    },
    createKey: async () => randomBytes(32),
    audit: (action, fields) => audit.push({ action, fields }),
  });
  return { authority, saved, audit, advance: (ms: number) => (now = new Date(now.getTime() + ms)), failSaves: () => (failSave = true) };
}

describe('Authority', () => {
  it('is off until activated; activation makes user:root clusterAdmin and keeps only the token hash', async () => {
    const { authority, saved } = setup();
    expect(authority.active).toBe(false);
    const { token, subject } = await authority.activate();
    expect(subject).toBe('user:root');
    expect(authority.authenticate(token)).toEqual({ subject: 'user:root' });
    expect(authority.cluster('user:root')).toBe('clusterAdmin');
    const text = JSON.stringify(saved.at(-1));
    expect(text).not.toContain(token);
    expect(text).toContain(hashToken(token));
    await expect(authority.activate()).rejects.toMatchObject({ code: 'AuthActive' });
  });

  it('refuses missing, unknown, expired and revoked tokens, saying which', async () => {
    const { authority, advance } = setup();
    await authority.activate();
    const { token } = await authority.issueToken('robot:ci', 60_000, 'user:root');
    expect(authority.authenticate(token).subject).toBe('robot:ci');
    expect(authority.authenticate(undefined)).toEqual({ reason: 'no token' });
    expect(authority.authenticate('tusk_nope')).toEqual({ reason: 'unknown or revoked token' });
    advance(60_000);
    expect(authority.authenticate(token)).toEqual({ reason: 'token expired' });
    const other = await authority.issueToken('user:ann', undefined, 'user:root');
    expect(await authority.revokeToken(other.token, 'user:ann')).toBe(1);
    expect(authority.authenticate(other.token)).toEqual({ reason: 'unknown or revoked token' });
  });

  it('revokes every token of a subject', async () => {
    const { authority } = setup();
    await authority.activate();
    const a = await authority.issueToken('user:ann', undefined, 'user:root');
    const b = await authority.issueToken('user:ann', undefined, 'user:root');
    const c = await authority.issueToken('user:bob', undefined, 'user:root');
    const key = await authority.createS3Key('user:ann', 'user:root');
    expect(await authority.revokeSubject('user:ann', 'user:root')).toBe(2);
    expect(authority.s3Key(key.accessKeyId)).toBeUndefined();
    expect(authority.authenticate(a.token).subject).toBeUndefined();
    expect(authority.authenticate(b.token).subject).toBeUndefined();
    expect(authority.authenticate(c.token).subject).toBe('user:bob');
  });

  it('derives pipeline tokens that verify without being stored and cannot be forged for another pipeline', async () => {
    const { authority, saved } = setup();
    await authority.activate();
    const token = authority.pipelineToken('edges');
    expect(authority.authenticate(token)).toEqual({ subject: 'pipeline:edges', pipeline: 'edges' });
    expect(authority.authenticate(token.replace('edges', 'montage')).subject).toBeUndefined();
    expect(JSON.stringify(saved.at(-1))).not.toContain(token);
  });

  it('binds, replaces and removes roles, and audits each change with who made it', async () => {
    const { authority, audit } = setup();
    await authority.activate();
    await authority.setRepoRole('sales', 'user:ann', 'repoReader', 'user:root');
    await authority.setRepoRole('sales', 'user:ann', 'repoWriter', 'user:root');
    expect(authority.repoRoles('sales')).toEqual([{ subject: 'user:ann', role: 'repoWriter' }]);
    await authority.setRepoRole('sales', 'user:ann', 'none', 'user:root');
    expect(authority.repoRoles('sales')).toEqual([]);
    await expect(authority.setRepoRole('sales', 'user:ann', 'clusterAdmin', 'user:root')).rejects.toMatchObject({ code: 'InvalidRole' });
    expect(audit.map((a) => a.action)).toEqual(['activate', 'set_repo_role', 'set_repo_role', 'set_repo_role']);
    expect(audit[1]!.fields).toEqual({ by: 'user:root', repo: 'sales', subject: 'user:ann', role: 'repoReader' });
  });

  it('keeps at least one clusterAdmin', async () => {
    const { authority } = setup();
    await authority.activate();
    await expect(authority.setClusterRole('user:root', 'none', 'user:root')).rejects.toMatchObject({ code: 'LastAdmin' });
    await authority.setClusterRole('user:ann', 'clusterAdmin', 'user:root');
    await authority.setClusterRole('user:root', 'none', 'user:ann');
    expect(authority.cluster('user:root')).toBeUndefined();
  });

  it('keeps S3 secrets sealed at rest and gives them back for signature checks', async () => {
    const { authority, saved } = setup();
    await authority.activate();
    const key = await authority.createS3Key('user:ann', 'user:ann');
    expect(key.accessKeyId).toMatch(/^TUSK[A-Z2-7]{10}$/);
    expect(authority.s3Key(key.accessKeyId)).toEqual({ secret: key.secretAccessKey, subject: 'user:ann' });
    expect(authority.s3Key('TUSKNOPE')).toBeUndefined();
    expect(authority.s3Key('constructor')).toBeUndefined();
    expect(JSON.stringify(saved.at(-1))).not.toContain(key.secretAccessKey);
  });

  it('changes nothing when saving fails', async () => {
    const { authority, failSaves } = setup();
    await authority.activate();
    failSaves();
    await expect(authority.setRepoRole('sales', 'user:ann', 'repoReader', 'user:root')).rejects.toThrow('disk full');
    expect(authority.repoRoles('sales')).toEqual([]);
  });
});

describe('parseTtl', () => {
  it('reads days, hours, minutes and seconds', () => {
    expect(parseTtl('30d')).toBe(30 * 24 * 3600 * 1000);
    expect(parseTtl('1h30m')).toBe(90 * 60 * 1000);
    expect(parseTtl('45s')).toBe(45_000);
    expect(parseTtl('0s')).toBeUndefined();
    expect(parseTtl('soon')).toBeUndefined();
    expect(parseTtl('')).toBeUndefined();
  });
});
