// S3 secret keys at rest: SigV4 needs the secret itself (not a hash), so it is
// kept sealed with AES-256-GCM under a key that lives only in the daemon's
// home ($TUSK_HOME/auth/master.key, mode 0600), never beside the state file's
// backups or in the metadata store.
import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';

/** Seals `plain` under the master key: `v1:<iv>:<tag>:<ciphertext>`, base64url. */
export function seal(master: Buffer, plain: string, iv: Buffer): string {
  const cipher = createCipheriv('aes-256-gcm', subKey(master), iv);
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join(':');
}

/** Opens what seal() made; throws when the key is wrong or the text was altered. */
export function unseal(master: Buffer, sealed: string): string {
  const [v, iv, tag, data] = sealed.split(':');
  if (v !== 'v1' || !iv || !tag || data === undefined) throw new Error('not a sealed secret');
  const decipher = createDecipheriv('aes-256-gcm', subKey(master), Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
}

function subKey(master: Buffer): Buffer {
  return createHmac('sha256', master).update('s3-secret-seal').digest();
}
