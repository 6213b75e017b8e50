import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemoryMetadataStore } from '../storage/memory-metadata-store.js';
import { SecretStore } from './secret-store.js';

const KEY = randomBytes(32);

function store(meta = new MemoryMetadataStore()) {
  return { meta, secrets: new SecretStore({ meta, key: async () => KEY, clock: () => new Date('2026-12-06T10:00:00Z'), random: (n) => randomBytes(n) }) };
}

describe('the secret store', () => {
  it('keeps values sealed in the metadata, shows keys only, and opens values for workers', async () => {
    const { meta, secrets } = store();
    expect(await secrets.create('db', { password: Buffer.from('hunter2'), user: Buffer.from('app') })).toEqual({ name: 'db', keys: ['password', 'user'], created: '2026-12-06T10:00:00.000Z' });
    const raw = JSON.stringify(await meta.table('secrets').values(''));
    expect(raw).not.toContain('hunter2');
    expect(raw).not.toContain(Buffer.from('hunter2').toString('base64'));
    expect((await secrets.values('db')).password!.toString()).toBe('hunter2');
    expect(await secrets.list()).toEqual([{ name: 'db', keys: ['password', 'user'], created: '2026-12-06T10:00:00.000Z' }]);
    expect(await secrets.keys('db')).toEqual(['password', 'user']);
    expect(await secrets.keys('nope')).toBeUndefined();
  });

  it('refuses taken names, bad names and keys, empty secrets; delete forgets', async () => {
    const { secrets } = store();
    await secrets.create('db', { k: Buffer.from('v') });
    await expect(secrets.create('db', { k: Buffer.from('v') })).rejects.toMatchObject({ code: 'SecretExists' });
    await expect(secrets.create('Bad_Name', { k: Buffer.from('v') })).rejects.toMatchObject({ code: 'InvalidSecretName' });
    await expect(secrets.create('ok', { 'bad key': Buffer.from('v') })).rejects.toMatchObject({ code: 'InvalidSecretKey' });
    await expect(secrets.create('ok', {})).rejects.toMatchObject({ code: 'EmptySecret' });
    await secrets.delete('db');
    await expect(secrets.inspect('db')).rejects.toMatchObject({ code: 'SecretNotFound' });
    await expect(secrets.delete('db')).rejects.toMatchObject({ code: 'SecretNotFound' });
  });
});
