// Where access control keeps its state: $TUSK_HOME/auth/state.json (token
// hashes, role bindings, sealed S3 secrets) and $TUSK_HOME/auth/master.key
// (the key sealing S3 secrets and deriving pipeline tokens), both mode 0600,
// and $TUSK_HOME/auth/secrets.key (the key sealing pipeline secrets, made on
// the first `create secret`, whether or not access control is on),
// each written to a temporary file, synced and renamed into place.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuthState } from './authority.js';

export class AuthFile {
  constructor(private readonly dir: string) {}

  /** The saved state, or undefined when access control was never activated. */
  async load(): Promise<{ state: AuthState; key: Buffer } | undefined> {
    let text: string;
    try {
      text = await readFile(join(this.dir, 'state.json'), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const key = await readFile(join(this.dir, 'master.key'));
    return { state: JSON.parse(text) as AuthState, key };
  }

  /** Creates the master key (on activation). */
  async createKey(): Promise<Buffer> {
    const key = randomBytes(32);
    await this.write('master.key', key);
    return key;
  }

  /** The key sealing pipeline secrets (secret-box.ts PIPELINE_SECRET): read, or made on first use. */
  async secretsKey(): Promise<Buffer> {
    try {
      return await readFile(join(this.dir, 'secrets.key'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const key = randomBytes(32);
    await this.write('secrets.key', key);
    return key;
  }

  async save(state: AuthState): Promise<void> {
    await this.write('state.json', JSON.stringify(state, null, 1) + '\n');
  }

  private async write(name: string, data: string | Buffer): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await chmod(this.dir, 0o700);
    const tmp = join(this.dir, `.${name}.${process.pid}.tmp`);
    const file = await open(tmp, 'w', 0o600);
    try {
      await file.writeFile(data);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, join(this.dir, name));
  }
}
