// Secrets at rest: SigV4 needs an S3 secret itself (not a hash), and a
// pipeline's transform.secrets must reach its code, so both are kept sealed
// with AES-256-GCM under a key that lives only in the daemon's home
// ($TUSK_HOME/auth/master.key for S3 keys, $TUSK_HOME/auth/secrets.key for
// pipeline secrets; mode 0600), never in the metadata store. `purpose`
// derives a sub-key per use, so one sealed text never opens as the other.
import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';

/** Seals `plain` under the master key: `v1:<iv>:<tag>:<ciphertext>`, base64url. */
export function seal(master: Buffer, plain: string, iv: Buffer, purpose = S3_SECRET): string {
  const cipher = createCipheriv('aes-256-gcm', subKey(master, purpose), iv);
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join(':');
}

/** Opens what seal() made; throws when the key is wrong or the text was altered. */
export function unseal(master: Buffer, sealed: string, purpose = S3_SECRET): string {
  const [v, iv, tag, data] = sealed.split(':');
  if (v !== 'v1' || !iv || !tag || data === undefined) throw new Error('not a sealed secret');
  const decipher = createDecipheriv('aes-256-gcm', subKey(master, purpose), Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
}

const S3_SECRET = 's3-secret-seal';
/** The purpose of pipeline secrets (transform.secrets). */
export const PIPELINE_SECRET = 'pipeline-secret-seal';

function subKey(master: Buffer, purpose: string): Buffer {
  return createHmac('sha256', master).update(purpose).digest();
}
